import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import TaskPulseDomain

/// Who the service sends as: a phone number or a Messaging Service.
public enum TwilioSender: Sendable, Equatable {
    case number(String)
    case messagingService(String)
}

/// Sends SMS through Twilio's REST Messages API with AsyncHTTPClient (twilio.md §4).
public struct TwilioSMSTransport: SMSTransport {
    public var accountSID: String
    var authToken: String
    public var sender: TwilioSender
    /// `https://api.twilio.com` in production; tests and benchmarks point it at a local fake.
    public var apiBase: String
    /// Where Twilio posts status callbacks, if set.
    public var statusCallbackURL: String?
    public var timeout: TimeAmount
    let client: HTTPClient
    let logger: Logger

    public init(
        accountSID: String, authToken: String, sender: TwilioSender, apiBase: String,
        statusCallbackURL: String? = nil, timeout: TimeAmount = .seconds(15),
        client: HTTPClient = TwilioSMSTransport.sharedClient, logger: Logger
    ) {
        self.accountSID = accountSID
        self.authToken = authToken
        self.sender = sender
        self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
        self.statusCallbackURL = statusCallbackURL
        self.timeout = timeout
        self.client = client
        self.logger = logger
    }

    /// The process's client for Twilio: like `HTTPClient.shared` (never shut down, lives as long as the
    /// process) but with a connection pool as wide as the dispatcher's sends in flight; the default pool
    /// of 8 connections per host held a reminder burst to a fraction of its rate (docs/BENCHMARKS.md).
    public static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        // Twilio's API answers where it is asked; a redirect would carry the account's credentials elsewhere.
        configuration.redirectConfiguration = .disallow
        // TaskPulse bootstraps no tracer: a span per send was CPU spent on the no-op one.
        configuration.tracing.tracer = nil
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    public func send(_ message: OutboundSMS) async -> SendOutcome {
        var request = HTTPClientRequest(url: "\(apiBase)/2010-04-01/Accounts/\(accountSID)/Messages.json")
        request.method = .POST
        let credentials = Data("\(accountSID):\(authToken)".utf8).base64EncodedString()
        request.headers.add(name: "Authorization", value: "Basic \(credentials)")
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        var fields = [("To", message.to.e164), ("Body", message.body)]
        switch sender {
        case .number(let number): fields.append(("From", number))
        case .messagingService(let sid): fields.append(("MessagingServiceSid", sid))
        }
        if let statusCallbackURL { fields.append(("StatusCallback", statusCallbackURL)) }
        request.body = .bytes(ByteBuffer(string: FormEncoding.encode(fields)))
        do {
            let response = try await client.execute(request, timeout: timeout)
            let body = try await response.body.collect(upTo: 1 << 20)
            let status = Int(response.status.code)
            let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
            if (200..<300).contains(status) {
                guard let sid = json?["sid"] as? String else {
                    // Accepted but unreadable: Twilio took it, so do not resend (twilio.md §4).
                    logger.warning("twilio accepted without a sid", metadata: ["http.status": "\(status)"])
                    return .accepted(providerMessageID: "unknown")
                }
                return .accepted(providerMessageID: sid)
            }
            let code = (json?["code"] as? Int) ?? (json?["code"] as? String).flatMap(Int.init)
            let text = (json?["message"] as? String) ?? String(buffer: body).prefix(200).description
            let retryAfter = response.headers.first(name: "Retry-After").flatMap(Double.init)
            logger.notice(
                "twilio refused a message",
                metadata: [
                    "http.status": "\(status)", "twilio.error_code": "\(code.map(String.init) ?? "-")",
                    "twilio.message": "\(text)", "tp.to": "\(message.to.masked)",
                ])
            return TwilioErrorClassifier.classify(status: status, code: code, message: text, retryAfter: retryAfter)
        } catch {
            // Timeouts and connection failures: the message may or may not have left; retry (DESIGN §4 window).
            logger.notice("twilio request failed", metadata: ["error": "\(error)", "tp.to": "\(message.to.masked)"])
            return .transient(errorCode: nil, message: "request failed: \(error)", retryAfterSeconds: nil)
        }
    }
}

/// `application/x-www-form-urlencoded` encoding and decoding (WHATWG URL standard).
public enum FormEncoding {
    /// Encodes fields in the given order.
    public static func encode(_ fields: [(String, String)]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(fields.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 2 } * 3 / 2)
        for (index, field) in fields.enumerated() {
            if index > 0 { output.append(UInt8(ascii: "&")) }
            escape(field.0, into: &output)
            output.append(UInt8(ascii: "="))
            escape(field.1, into: &output)
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func escape(_ text: String) -> String {
        var output: [UInt8] = []
        escape(text, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends `text` percent-encoded: bytes outside A-Z a-z 0-9 - . _ * as %XX, a space as "+".
    private static func escape(_ text: String, into output: inout [UInt8]) {
        let hexDigits: StaticString = "0123456789ABCDEF"
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "*"):
                output.append(byte)
            case 0x20:
                output.append(UInt8(ascii: "+"))
            default:
                hexDigits.withUTF8Buffer { digits in
                    output.append(UInt8(ascii: "%"))
                    output.append(digits[Int(byte >> 4)])
                    output.append(digits[Int(byte & 0x0F)])
                }
            }
        }
    }

    /// Decodes a form body into fields in order; `nil` when a percent escape is malformed or the
    /// result is not UTF-8.
    public static func decode(_ body: String) -> [(String, String)]? {
        // Split on bytes, not Characters: "&" and "=" are ASCII, and grapheme breaking cost more than
        // the rest of the decoding.
        var fields: [(String, String)] = []
        for pair in body.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            let name = pair[..<(equals ?? pair.endIndex)]
            let value = equals.map { pair[pair.index(after: $0)...] } ?? pair[pair.endIndex...]
            guard let name = unescape(name), let value = unescape(value) else { return nil }
            fields.append((name, value))
        }
        return fields
    }

    static func unescape(_ text: Substring.UTF8View) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count)
        var iterator = text.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(0x20)
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
