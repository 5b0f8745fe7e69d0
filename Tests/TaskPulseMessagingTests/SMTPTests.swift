import Foundation
import Logging
import NIOCore
import Testing

import TaskPulseTestSupport

@testable import TaskPulseMessaging

@Suite("SMTP conversation (pure)")
struct SMTPConversationTests {
    let settings = SMTPSettings(
        host: "mail.example.com", port: 587, username: "tp", password: "secret", security: .startTLSRequired,
        from: "tasks@example.com")

    @Test("greeting, EHLO, STARTTLS, EHLO again, AUTH, envelope, data, quit")
    func happyPath() {
        var conversation = SMTPConversation(settings: settings, recipient: "me@example.com", message: "Subject: x\r\n\r\nhi")
        #expect(conversation.receive(code: 220, lines: ["ready"]) == [.send("EHLO taskpulse.local")])
        #expect(conversation.receive(code: 250, lines: ["mail.example.com", "STARTTLS", "AUTH PLAIN LOGIN"]) == [.send("STARTTLS")])
        #expect(conversation.receive(code: 220, lines: ["go ahead"]) == [.upgradeToTLS])
        #expect(conversation.tlsEstablished() == [.send("EHLO taskpulse.local")])
        let auth = Data("\u{0}tp\u{0}secret".utf8).base64EncodedString()
        #expect(conversation.receive(code: 250, lines: ["mail.example.com", "AUTH PLAIN"]) == [.send("AUTH PLAIN \(auth)")])
        #expect(conversation.receive(code: 235, lines: ["ok"]) == [.send("MAIL FROM:<tasks@example.com>")])
        #expect(conversation.receive(code: 250, lines: ["ok"]) == [.send("RCPT TO:<me@example.com>")])
        #expect(conversation.receive(code: 250, lines: ["ok"]) == [.send("DATA")])
        #expect(conversation.receive(code: 354, lines: ["go"]) == [.send("Subject: x\r\n\r\nhi\r\n.")])
        #expect(conversation.receive(code: 250, lines: ["queued as 42"]) == [.send("QUIT"), .accepted("queued as 42")])
        #expect(conversation.receive(code: 221, lines: ["bye"]) == [])
    }

    @Test("a refused login is permanent; a 4xx is transient; no STARTTLS means no credentials in clear")
    func refusals() {
        var login = SMTPConversation(settings: settings, recipient: "me@example.com", message: "m")
        _ = login.receive(code: 220, lines: [])
        _ = login.receive(code: 250, lines: ["x", "STARTTLS"])
        _ = login.receive(code: 220, lines: [])
        _ = login.tlsEstablished()
        _ = login.receive(code: 250, lines: ["x"])
        #expect(login.receive(code: 535, lines: ["bad credentials"]) == [.failed(code: 535, message: "535 bad credentials", transient: false)])

        var busy = SMTPConversation(settings: settings, recipient: "me@example.com", message: "m")
        #expect(busy.receive(code: 421, lines: ["try later"]) == [.failed(code: 421, message: "421 try later", transient: true)])

        var plain = SMTPConversation(settings: settings, recipient: "me@example.com", message: "m")
        _ = plain.receive(code: 220, lines: [])
        guard case .failed(nil, _, false) = plain.receive(code: 250, lines: ["x", "AUTH PLAIN"]).first else {
            Issue.record("expected a refusal to send credentials without TLS")
            return
        }
    }

    @Test("a line starting with a dot is stuffed, so a lone dot inside the message cannot end it early")
    func dotStuffing() {
        var conversation = SMTPConversation(
            settings: SMTPSettings(host: "h", port: 25, username: nil, password: nil, security: .none, from: "a@b.c"),
            recipient: "me@example.com", message: "Subject: x\r\n\r\nline one\r\n.\r\n.hidden\r\nend")
        _ = conversation.receive(code: 220, lines: [])
        _ = conversation.receive(code: 250, lines: ["h"])
        _ = conversation.receive(code: 250, lines: ["ok"])
        _ = conversation.receive(code: 250, lines: ["ok"])
        #expect(
            conversation.receive(code: 354, lines: ["go"])
                == [.send("Subject: x\r\n\r\nline one\r\n..\r\n..hidden\r\nend\r\n.")])
        #expect(SMTPConversation.dotStuffed("no dots\r\nhere") == "no dots\r\nhere")
    }

    @Test("SMTP_URL forms")
    func urls() throws {
        let starttls = try #require(SMTPSettings(url: "smtp://u%40x:p%3Ass@mail.example.com", from: "a@b.c"))
        #expect(starttls.port == 587 && starttls.security == .startTLSRequired)
        #expect(starttls.username == "u@x" && starttls.password == "p:ss")
        #expect(SMTPSettings(url: "smtps://mail.example.com", from: "a@b.c")?.port == 465)
        #expect(SMTPSettings(url: "smtp://h:2525?starttls=off", from: "a@b.c")?.security == SMTPSettings.Security.none)
        #expect(SMTPSettings(url: "http://h", from: "a@b.c") == nil)
    }

    @Test("messages are MIME multipart with encoded subject and the extra headers")
    func compose() {
        let mail = OutboundMail(
            to: "me@example.com", subject: "Agenda ☀️", text: "hi", html: "<p>hi</p>",
            headers: [("List-Unsubscribe", "<https://x/u>"), ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")])
        let text = MailComposer.compose(mail, from: "tasks@example.com", messageID: "id@example.com", date: Date(timeIntervalSince1970: 0))
        #expect(text.contains("Subject: =?UTF-8?B?"))
        #expect(text.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"))
        #expect(text.contains("Date: Thu, 01 Jan 1970 00:00:00 +0000"))
        #expect(text.contains("Content-Type: multipart/alternative"))
        #expect(!text.contains("\n.") || text.contains("\r\n.."))
    }
}

@Suite("SMTP against a real server (aiosmtpd)", .enabled(if: SMTPSink.python != nil), .timeLimit(.minutes(1)))
struct SMTPIntegrationTests {
    func transport(port: Int, password: String, caFile: String?) throws -> SMTPMailTransport {
        try SMTPMailTransport(
            settings: SMTPSettings(
                host: "127.0.0.1", port: port, username: "tp", password: password, security: .startTLSRequired,
                from: "tasks@example.com", caFile: caFile),
            timeout: .seconds(10), logger: Logger(label: "test"))
    }

    @Test("STARTTLS, login and delivery; the server receives the message with its headers")
    func delivers() async throws {
        let sink = try #require(try SMTPSink(user: "tp", password: "secret"))
        defer { sink.stop() }
        let mail = OutboundMail(
            to: "me@example.com", subject: "Your agenda", text: "Today: call mom", html: "<p>Today: call mom</p>",
            headers: [("List-Unsubscribe", "<https://tasks.example.com/email/unsubscribe?t=abc>")])
        let outcome = await try transport(port: sink.port, password: "secret", caFile: sink.certificatePath).send(mail)
        guard case .accepted = outcome else {
            Issue.record("expected accepted, got \(outcome)")
            return
        }
        let messages = sink.messages()
        #expect(messages.count == 1)
        #expect(messages.first?.to == ["me@example.com"])
        #expect(messages.first?.data.contains("List-Unsubscribe: <https://tasks.example.com/email/unsubscribe?t=abc>") == true)
    }

    @Test("a refused login is a permanent failure and nothing is delivered")
    func refusedLogin() async throws {
        let sink = try #require(try SMTPSink(user: "tp", password: "secret"))
        defer { sink.stop() }
        let outcome = await try transport(port: sink.port, password: "wrong", caFile: sink.certificatePath)
            .send(OutboundMail(to: "me@example.com", subject: "s", text: "t", html: "h"))
        guard case .permanent(let code, _) = outcome else {
            Issue.record("expected permanent, got \(outcome)")
            return
        }
        #expect(code == "smtp-535")
        #expect(sink.messages().isEmpty)
    }

    @Test("a server that is down is a transient failure (retried later, not lost)")
    func serverDown() async throws {
        let sink = try #require(try SMTPSink(user: "tp", password: "secret"))
        let port = sink.port
        sink.stop()
        let outcome = await try transport(port: port, password: "secret", caFile: nil)
            .send(OutboundMail(to: "me@example.com", subject: "s", text: "t", html: "h"))
        guard case .transient = outcome else {
            Issue.record("expected transient, got \(outcome)")
            return
        }
    }
}
