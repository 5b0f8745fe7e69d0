import Foundation
import Hummingbird
import Logging
import NIOCore
import TaskPulseDomain
import TaskPulseMessaging
import TaskPulseStorage

/// `POST /twilio/sms`: signed inbound texts in, TwiML out; `POST /twilio/status`: delivery status
/// callbacks (DESIGN §6, twilio.md §1-5).
struct TwilioWebhookController: Sendable {
    let handler: InboundMessageHandler
    let store: any TaskStore
    let clock: any WallClock
    let signature: TwilioSignature
    /// The configured public base URL; without one the URL is rebuilt from the Host header (dev mode).
    let publicURL: String?
    /// Largest form body accepted (Twilio bodies are at most 1,600 characters plus fields).
    static let maximumBodySize = 64 * 1024

    func addRoutes(to router: Router<TaskPulseRequestContext>) {
        router.post("/twilio/sms") { request, context in try await receive(request, context: context) }
        router.post("/twilio/status") { request, context in try await status(request, context: context) }
    }

    func receive(_ request: Request, context: TaskPulseRequestContext) async throws -> Response {
        let fields: [(String, String)]
        switch try await verifiedFields(request, context: context) {
        case .success(let verified): fields = verified
        case .failure(let refusal): return refusal.response
        }
        let values = Dictionary(fields, uniquingKeysWith: { first, _ in first })
        for name in ["MessageSid", "From", "Body"] where values[name] == nil {
            return APIError.response(
                status: .badRequest, code: "missing_field", message: "\(name) is required", field: name)
        }
        guard let sid = values["MessageSid"], TwilioWebhookController.isMessageSid(sid) else {
            return APIError.response(
                status: .badRequest, code: "invalid_field", message: "MessageSid must be a Twilio message SID",
                field: "MessageSid")
        }
        guard let from = Phone(values["From"]!) else {
            return APIError.response(
                status: .badRequest, code: "invalid_field", message: "From is not an E.164 phone number", field: "From")
        }
        let text = InboundText(from: from, body: values["Body"]!, messageSid: sid, optOutType: values["OptOutType"])
        do {
            let reply = try await handler.handle(text)
            return TwilioWebhookController.twiml(reply)
        } catch let error as StoreError {
            // Twilio retries a webhook that fails; a false 200 would lose the text (issue 9).
            context.logger.error(
                "store unavailable for webhook",
                metadata: ["error": "\(error)", "twilio.message_sid": "\(text.messageSid)"])
            var response = APIError.response(
                status: .serviceUnavailable, code: "store_unavailable", message: "try again shortly", field: nil)
            response.headers[.retryAfter] = "5"
            return response
        }
    }

    /// Twilio's SIDs are two letters and 32 hex digits; this takes any 1 to 64 ASCII letters, digits,
    /// `-` and `_` (the simulator and load tools make their own), and nothing a database could choke on.
    static func isMessageSid(_ sid: String) -> Bool {
        (1...64).contains(sid.utf8.count)
            && sid.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            }
    }

    /// `POST /twilio/status`: delivery status callbacks, signed like inbound texts (twilio.md §5).
    func status(_ request: Request, context: TaskPulseRequestContext) async throws -> Response {
        let fields: [(String, String)]
        switch try await verifiedFields(request, context: context) {
        case .success(let verified): fields = verified
        case .failure(let refusal): return refusal.response
        }
        let values = Dictionary(fields, uniquingKeysWith: { first, _ in first })
        guard let sid = values["MessageSid"], !sid.isEmpty else {
            return APIError.response(status: .badRequest, code: "missing_field", message: "MessageSid is required", field: "MessageSid")
        }
        guard TwilioWebhookController.isMessageSid(sid) else {
            return APIError.response(
                status: .badRequest, code: "invalid_field", message: "MessageSid must be a Twilio message SID", field: "MessageSid")
        }
        let errorCode = values["ErrorCode"].flatMap { $0.isEmpty ? nil : $0 }
        guard errorCode.map({ $0.utf8.count <= 10 && $0.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } }) ?? true
        else {
            return APIError.response(
                status: .badRequest, code: "invalid_field", message: "ErrorCode must be a Twilio error number", field: "ErrorCode")
        }
        guard let statusText = values["MessageStatus"], let status = ProviderStatus(twilio: statusText) else {
            return APIError.response(
                status: .badRequest, code: "invalid_field", message: "MessageStatus is missing or unknown", field: "MessageStatus")
        }
        do {
            let known = try await store.recordProviderStatus(
                providerMessageID: sid, status: status, errorCode: errorCode,
                now: clock.now())
            if !known { context.logger.notice("status for an unknown message", metadata: ["twilio.message_sid": "\(sid)"]) }
            return Response(status: .noContent)
        } catch let error as StoreError {
            context.logger.error("store unavailable for status callback", metadata: ["error": "\(error)"])
            var response = APIError.response(status: .serviceUnavailable, code: "store_unavailable", message: "try again shortly", field: nil)
            response.headers[.retryAfter] = "5"
            return response
        }
    }

    struct Refusal: Error {
        var response: Response
    }

    /// The form fields of a request whose Twilio signature checks out, or the response refusing it.
    func verifiedFields(_ request: Request, context: TaskPulseRequestContext) async throws -> Result<[(String, String)], Refusal> {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: TwilioWebhookController.maximumBodySize)
        } catch {
            return .failure(Refusal(response: APIError.response(
                status: .contentTooLarge, code: "body_too_large", message: "the form body is too large", field: nil)))
        }
        guard let fields = FormEncoding.decode(String(buffer: buffer)) else {
            return .failure(Refusal(response: APIError.response(
                status: .badRequest, code: "malformed_form", message: "the form body is not valid form encoding", field: nil)))
        }
        let url = webhookURL(for: request)
        guard let provided = request.headers[.init("X-Twilio-Signature")!],
            signature.isValid(signature: provided, url: url, fields: fields)
        else {
            context.logger.notice("webhook signature refused", metadata: ["http.url": "\(url)"])
            return .failure(Refusal(response: APIError.response(
                status: .forbidden, code: "bad_signature", message: "missing or invalid X-Twilio-Signature", field: nil)))
        }
        return .success(fields)
    }

    /// The URL Twilio signed: the public base URL plus the path and query as received.
    func webhookURL(for request: Request) -> String {
        let pathAndQuery = request.uri.string.hasPrefix("/") ? request.uri.string : request.uri.path
        if let publicURL { return publicURL + pathAndQuery }
        let host = request.head.authority ?? "localhost"
        return "http://\(host)\(pathAndQuery)"
    }

    static func twiml(_ reply: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/xml; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: TwiML.response(messages: [reply]))))
    }
}
