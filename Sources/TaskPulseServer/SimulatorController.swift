import Foundation
import Hummingbird
import Logging
import NIOCore
import TaskPulseDomain
import TaskPulseMessaging
import TaskPulseStorage

/// The dev-mode phone simulator (DESIGN §6): text the bot as any number and watch replies and
/// scheduled messages arrive. Texts take the same path as the webhook, minus the signature.
struct SimulatorController: Sendable {
    let handler: InboundMessageHandler
    let store: any TaskStore
    let page: String
    /// The dev mailbox, when email goes there (no `SMTP_URL`).
    var devMail: DevMailOutbox?
    /// What the dev SMS transport sent, for texts the store keeps without their secret.
    var devTexts: DevTextLog?

    func addRoutes(to router: Router<TaskPulseRequestContext>) {
        router.get("/simulator") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: page)))
        }
        router.post("/simulator/api/send") { request, context in try await send(request, context: context) }
        router.get("/simulator/api/conversation") { request, _ in try await conversation(request) }
        router.get("/simulator/api/mail") { request, _ in try await mailList(request) }
        router.get("/simulator/mail/{id}") { request, context in try mailHTML(request, context: context) }
    }

    struct SendRequest: Decodable {
        var from: String?
        var body: String?
    }

    func send(_ request: Request, context: TaskPulseRequestContext) async throws -> Response {
        var request = request
        let buffer = try await request.collectBody(upTo: 64 * 1024)
        guard let input = try? JSONDecoder().decode(SendRequest.self, from: Data(buffer.readableBytesView)) else {
            return APIError.response(
                status: .badRequest, code: "malformed_json", message: "expected {\"from\", \"body\"}", field: nil)
        }
        guard let fromText = input.from else {
            return APIError.response(
                status: .badRequest, code: "missing_field", message: "from is required", field: "from")
        }
        guard let from = Phone(fromText) else {
            return APIError.response(
                status: .badRequest, code: "invalid_field", message: "from is not a phone number", field: "from")
        }
        guard let body = input.body else {
            return APIError.response(
                status: .badRequest, code: "missing_field", message: "body is required", field: "body")
        }
        let sid = "SM" + (0..<2).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16).leftPadded16 }.joined()
        let reply: String
        do {
            reply = try await handler.handle(InboundText(from: from, body: body, messageSid: sid))
        } catch let error as StoreError {
            context.logger.error("store unavailable for simulator", metadata: ["error": "\(error)"])
            return APIError.response(
                status: .serviceUnavailable, code: "store_unavailable", message: "try again shortly", field: nil)
        }
        return try json(["reply": reply, "message_sid": sid, "phone": from.e164])
    }

    func conversation(_ request: Request) async throws -> Response {
        guard let phoneText = request.uri.queryParameters.get("phone") else {
            return APIError.response(
                status: .badRequest, code: "missing_field", message: "phone is required", field: "phone")
        }
        guard let phone = Phone(phoneText) else {
            return APIError.response(
                status: .badRequest, code: "invalid_field", message: "phone is not a phone number", field: "phone")
        }
        let user = try await store.user(phone: phone)
        var entries: [ConversationEntry] = []
        if let user { entries = try await store.conversation(userID: user.id, limit: 200) }
        let formatter = ISO8601DateFormatter()
        var timeline: [(at: Date, item: [String: Any])] = entries.map { entry in
            var item: [String: Any] = [
                "direction": entry.direction.rawValue, "at": formatter.string(from: entry.at), "text": entry.text,
            ]
            if let status = entry.status { item["status"] = status }
            return (entry.at, item)
        }
        // Texts recorded without their secret (a phone-linking code, possibly to a number that never
        // texted): shown as sent, so a developer can link a simulated phone.
        let recorded = Set(entries.filter { $0.direction == .outbound }.map(\.text))
        for sent in devTexts?.texts(to: phone) ?? [] where !recorded.contains(sent.message.body) {
            timeline.append(
                (sent.at, ["direction": "outbound", "at": formatter.string(from: sent.at), "text": sent.message.body, "status": "sent"]))
        }
        let items = timeline.sorted { $0.at < $1.at }.map(\.item)
        return try json(["phone": phone.e164, "items": items, "opted_out": user?.isOptedOut ?? false])
    }

    /// The dev mailbox: emails to the person with `phone` (their confirmed or pending address), newest first.
    func mailList(_ request: Request) async throws -> Response {
        guard let devMail else { return try json(["enabled": false, "items": [Any]()]) }
        var addresses: Set<String>?
        if let phoneText = request.uri.queryParameters.get("phone") {
            guard let phone = Phone(phoneText) else {
                return APIError.response(
                    status: .badRequest, code: "invalid_field", message: "phone is not a phone number", field: "phone")
            }
            if let user = try await store.user(phone: phone) {
                addresses = Set(try await store.emailAddresses(userID: user.id).map { $0.lowercased() })
            } else {
                addresses = []
            }
        }
        let formatter = ISO8601DateFormatter()
        let items: [[String: Any]] = devMail.mails().filter { addresses?.contains($0.mail.to.lowercased()) ?? true }
            .prefix(50).map { kept in
                [
                    "id": kept.id, "at": formatter.string(from: kept.at), "to": kept.mail.to, "subject": kept.mail.subject,
                    "text": kept.mail.text, "html_url": "/simulator/mail/\(kept.id)",
                    "headers": Dictionary(kept.mail.headers.map { ($0.0, $0.1) }, uniquingKeysWith: { first, _ in first }),
                ]
            }
        return try json(["enabled": true, "items": items])
    }

    /// One dev email's HTML body, sandboxed (no scripts, no requests out).
    func mailHTML(_ request: Request, context: TaskPulseRequestContext) throws -> Response {
        guard let id = context.parameters.get("id", as: Int.self), let kept = devMail?.mail(id: id) else {
            return APIError.response(status: .notFound, code: "not_found", message: "no such email", field: "id")
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .init("Content-Security-Policy")!: "sandbox; default-src 'none'; style-src 'unsafe-inline'",
            ],
            body: .init(byteBuffer: ByteBuffer(string: kept.mail.html)))
    }

    private func json(_ object: [String: Any]) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension String {
    var leftPadded16: String { count >= 16 ? self : String(repeating: "0", count: 16 - count) + self }
}
