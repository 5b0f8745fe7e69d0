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
        compute(url: url, signedFields: Self.signedFields(fields))
    }

    /// The fields as Twilio signs them: names in byte order (repeated names keep every value, sorted
    /// too), each name followed by its value, concatenated.
    static func signedFields(_ fields: [(String, String)]) -> [UInt8] {
        let sorted = fields.sorted { lhs, rhs in
            if !lhs.0.utf8.elementsEqual(rhs.0.utf8) { return lhs.0.utf8.lexicographicallyPrecedes(rhs.0.utf8) }
            return lhs.1.utf8.lexicographicallyPrecedes(rhs.1.utf8)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(fields.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count })
        for (name, value) in sorted {
            bytes.append(contentsOf: name.utf8)
            bytes.append(contentsOf: value.utf8)
        }
        return bytes
    }

    private func compute(url: String, signedFields: [UInt8]) -> String {
        var hmac = HMAC<Insecure.SHA1>(key: key)
        hmac.update(data: Array(url.utf8))
        hmac.update(data: signedFields)
        return Data(hmac.finalize()).base64EncodedString()
    }

    /// Whether `signature` is valid for `url` and `fields`. Like Twilio's SDKs, the URL is also tried
    /// with its default port (`:443`/`:80`) added or removed, since Twilio is inconsistent there.
    public func isValid(signature: String, url: String, fields: [(String, String)]) -> Bool {
        let expected = Array(signature.utf8)
        let signedFields = Self.signedFields(fields)
        var valid = false
        for candidate in TwilioSignature.urlVariants(url) {
            // Compare every candidate in constant time, without stopping early.
            if constantTimeEquals(Array(compute(url: candidate, signedFields: signedFields).utf8), expected) {
                valid = true
            }
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
