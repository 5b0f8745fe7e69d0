import Crypto
import Foundation

/// Twilio's `X-Twilio-Signature` (twilio.md §2): HMAC-SHA1 over the URL and the sorted form
/// fields, Base64. Pure, so it is tested with Twilio's own vectors.
public struct TwilioSignature: Sendable {
    let key: SymmetricKey

    public init(authToken: String) {
        self.key = SymmetricKey(data: Data(authToken.utf8))
    }

    /// The signature Twilio computes for a form POST to `url` with `fields`.
    public func compute(url: String, fields: [(String, String)]) -> String {
        // Names in byte order; repeated names keep all values, sorted too.
        let sorted = fields.sorted { lhs, rhs in
            if lhs.0 != rhs.0 { return Array(lhs.0.utf8).lexicographicallyPrecedes(Array(rhs.0.utf8)) }
            return Array(lhs.1.utf8).lexicographicallyPrecedes(Array(rhs.1.utf8))
        }
        var message = Data(url.utf8)
        for (name, value) in sorted {
            message.append(contentsOf: Array(name.utf8))
            message.append(contentsOf: Array(value.utf8))
        }
        let code = HMAC<Insecure.SHA1>.authenticationCode(for: message, using: key)
        return Data(code).base64EncodedString()
    }

    /// Whether `signature` is valid for `url` and `fields`. Like Twilio's SDKs, the URL is also tried
    /// with its default port (`:443`/`:80`) added or removed, since Twilio is inconsistent there.
    public func isValid(signature: String, url: String, fields: [(String, String)]) -> Bool {
        let expected = Array(signature.utf8)
        var valid = false
        for candidate in TwilioSignature.urlVariants(url) {
            // Compare every candidate in constant time, without stopping early.
            if constantTimeEquals(Array(compute(url: candidate, fields: fields).utf8), expected) { valid = true }
        }
        return valid
    }

    static func urlVariants(_ url: String) -> [String] {
        guard var components = URLComponents(string: url), let scheme = components.scheme else { return [url] }
        let defaultPort = scheme == "https" ? 443 : 80
        var variants = [url]
        if components.port == defaultPort {
            components.port = nil
            if let stripped = components.string { variants.append(stripped) }
        } else if components.port == nil {
            components.port = defaultPort
            if let added = components.string { variants.append(added) }
        }
        return variants
    }

    private func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}
