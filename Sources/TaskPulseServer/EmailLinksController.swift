import Foundation
import Hummingbird
import Logging
import NIOCore
import TaskPulseDomain
import TaskPulseMessaging
import TaskPulseStorage

/// The links in emails (issue 5): confirming an address and the one-click unsubscribe (RFC 8058).
///
/// Opening a link (GET) never changes anything: mail scanners fetch links before people do, so the
/// page asks for a click that POSTs. A mail client's one-click unsubscribe POSTs
/// `List-Unsubscribe=One-Click` to the same URL and is answered at once.
struct EmailLinksController: Sendable {
    let store: any TaskStore
    let clock: any WallClock
    let programName: String

    /// Largest form body accepted on these routes.
    static let maximumBody = 4 * 1024

    func addRoutes(to router: Router<TaskPulseRequestContext>) {
        router.get("/email/verify") { request, _ in try await verifyPage(request) }
        router.post("/email/verify") { request, context in try await confirm(request, context: context) }
        router.get("/email/unsubscribe") { request, _ in try await unsubscribePage(request) }
        router.post("/email/unsubscribe") { request, context in try await unsubscribe(request, context: context) }
    }

    func verifyPage(_ request: Request) async throws -> Response {
        guard let token = request.uri.queryParameters.get("token"), !token.isEmpty else {
            return page(.badRequest, "Link incomplete", "This link is missing its token. Open the whole link from the email.")
        }
        guard let pending = try await store.pendingEmailVerification(token: token, now: clock.now()) else {
            return page(.gone, "Link expired", Self.expiredText)
        }
        return page(
            .ok, "Confirm your email",
            """
            <p>Send \(programName) messages to <strong>\(HTML.escape(pending.address))</strong>?</p>
            <form method="post" action="/email/verify">
            <input type="hidden" name="token" value="\(HTML.escape(token))">
            <button type="submit">Confirm my email</button>
            </form>
            """)
    }

    func confirm(_ request: Request, context: TaskPulseRequestContext) async throws -> Response {
        guard let fields = try await formFields(request) else {
            return page(.badRequest, "Not understood", "The form could not be read. Open the link from the email again.")
        }
        guard let token = fields["token"] ?? request.uri.queryParameters.get("token").map({ String($0) }), !token.isEmpty else {
            return page(.badRequest, "Link incomplete", "The form is missing its token field.")
        }
        switch try await store.confirmEmail(token: token, now: clock.now()) {
        case .confirmed(let address):
            context.logger.info("email confirmed", metadata: ["tp.email_domain": "\(Self.domain(address))"])
            return page(.ok, "Email confirmed", Self.confirmedText(address))
        case .alreadyUsed(let address):
            return page(.ok, "Already confirmed", Self.confirmedText(address))
        case .invalid:
            return page(.gone, "Link expired", Self.expiredText)
        }
    }

    func unsubscribePage(_ request: Request) async throws -> Response {
        guard let token = request.uri.queryParameters.get("token"), !token.isEmpty else {
            return page(.badRequest, "Link incomplete", "This link is missing its token. Open the whole link from the email.")
        }
        return page(
            .ok, "Unsubscribe",
            """
            <p>Stop all email from \(programName)? Your text messages are not affected.</p>
            <form method="post" action="/email/unsubscribe?token=\(HTML.escape(token))">
            <button type="submit">Unsubscribe</button>
            </form>
            """)
    }

    func unsubscribe(_ request: Request, context: TaskPulseRequestContext) async throws -> Response {
        let fields = try await formFields(request) ?? [:]
        // RFC 8058: the token is in the URL; the body says List-Unsubscribe=One-Click.
        guard let token = request.uri.queryParameters.get("token").map({ String($0) }) ?? fields["token"], !token.isEmpty else {
            return page(.badRequest, "Link incomplete", "This link is missing its token.")
        }
        guard let address = try await store.unsubscribeEmail(token: token, now: clock.now()) else {
            return page(.notFound, "Link not recognised", "This unsubscribe link is no longer valid. Text EMAIL OFF to the bot to stop all email.")
        }
        context.logger.info(
            "email unsubscribed",
            metadata: ["tp.email_domain": "\(Self.domain(address))", "tp.one_click": "\(fields["List-Unsubscribe"] != nil)"])
        return page(
            .ok, "Unsubscribed",
            """
            <p><strong>\(HTML.escape(address))</strong> gets no more email from \(programName).
            Your text messages are not affected; anything you had by email only now comes by text.</p>
            <p>Changed your mind? Text <strong>EMAIL \(HTML.escape(address))</strong> to the bot.</p>
            """)
    }

    static let expiredText = """
        <p>This link has expired, was replaced by a newer one, or was already used.</p>
        <p>Text <strong>EMAIL you@example.com</strong> to the bot to get a new one.</p>
        """

    static func confirmedText(_ address: String) -> String {
        """
        <p><strong>\(HTML.escape(address))</strong> is confirmed.</p>
        <p>Now choose what comes by email: text <strong>WEEKLY EMAIL</strong>, <strong>AGENDA EMAIL</strong>,
        <strong>REMINDERS BOTH</strong> or <strong>ALL EMAIL</strong>. Text <strong>EMAIL</strong> to see your choices.</p>
        """
    }

    /// Logs name the domain only, never the address.
    static func domain(_ address: String) -> Substring { address.split(separator: "@").last ?? "" }

    private func formFields(_ request: Request) async throws -> [String: String]? {
        var request = request
        let buffer = try await request.collectBody(upTo: Self.maximumBody)
        guard buffer.readableBytes > 0 else { return [:] }
        guard let pairs = FormEncoding.decode(String(buffer: buffer)), !pairs.contains(where: { $0.1.utf8.contains(0) })
        else { return nil }
        return Dictionary(pairs.map { ($0.0, $0.1) }, uniquingKeysWith: { first, _ in first })
    }

    private func page(_ status: HTTPResponse.Status, _ title: String, _ body: String) -> Response {
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTML.escape(title)) - \(HTML.escape(programName))</title>
            <style>
            body{font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;background:#f4f5f7;color:#1f2933;margin:0;padding:24px}
            main{max-width:520px;margin:0 auto;background:#fff;border-radius:8px;padding:24px;line-height:1.5}
            button{font-size:16px;padding:12px 20px;border:0;border-radius:6px;background:#2563eb;color:#fff;cursor:pointer}
            </style></head>
            <body><main><h1>\(HTML.escape(title))</h1>
            \(body)
            </main></body></html>
            """
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .init("Referrer-Policy")!: "no-referrer",
                .init("Content-Security-Policy")!: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
            ],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// Escaping for text placed in HTML.
enum HTML {
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
