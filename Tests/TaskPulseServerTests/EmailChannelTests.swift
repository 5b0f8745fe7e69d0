import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

import TaskPulseDispatch
import TaskPulseDomain
import TaskPulseMessaging
import TaskPulseServer
import TaskPulseStorage
import TaskPulseTestSupport
import TaskPulseTiming

/// Email as a second channel (issue 5): a confirmed address, per-kind routing, one-click unsubscribe.
@Suite("The email channel", .timeLimit(.minutes(1)))
struct EmailChannelTests {
    static let phone = "+15555550100"

    func drain(_ harness: Harness) async throws {
        var rounds = 0
        while try await harness.parts.dispatcher.drainOnce() > 0, rounds < 20 { rounds += 1 }
    }

    func token(in text: String, path: String) -> String? {
        guard let range = text.range(of: path + "?token=") else { return nil }
        return String(text[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }

    func user(_ harness: Harness) async throws -> User {
        try #require(try await harness.store.user(phone: Phone(EmailChannelTests.phone)!))
    }

    func form(_ client: some TestClientProtocol, _ path: String, _ body: String) async throws -> TestResponse {
        try await client.execute(
            uri: path, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: body))
    }

    /// Texts `email me@example.com`, sends the confirmation and follows its link; returns the mail.
    @discardableResult
    func confirm(_ harness: Harness, _ mail: RecordingMailTransport, address: String = "me@example.com") async throws
        -> OutboundMail
    {
        try await harness.application.test(.router) { client in
            _ = try await client.text("email \(address)")
        }
        try await drain(harness)
        let sent = try #require(mail.sent.last)
        let secret = try #require(token(in: sent.text, path: "/email/verify"))
        try await harness.application.test(.router) { client in
            let response = try await form(client, "/email/verify", "token=\(secret)")
            #expect(response.status == .ok)
            #expect(response.text.contains("is confirmed"))
        }
        return sent
    }

    @Test("email me@x sends one confirmation link; opening it asks for a click; the click confirms it once")
    func verification() async throws {
        let mail = RecordingMailTransport()
        try await Harness.with(mail: mail) { harness, _ in
            try await harness.application.test(.router) { client in
                let reply = try await client.text("email me@example.com")
                #expect(reply.text.contains("Check me@example.com for a link"))
            }
            try await drain(harness)
            #expect(mail.sent.count == 1)
            let sent = try #require(mail.sent.first)
            #expect(sent.to == "me@example.com")
            #expect(sent.subject == "Confirm your email for TaskPulse")
            #expect(sent.headers.isEmpty)  // nothing to unsubscribe from yet
            let secret = try #require(token(in: sent.text, path: "/email/verify"))
            #expect(sent.html.contains("https://taskpulse.test/email/verify?token=\(secret)"))
            // The outbox keeps no usable secret once the email went out.
            let rows = try await harness.store.deliveries(userID: try await user(harness).id)
            let row = try #require(rows.first { $0.kind == .emailVerification })
            #expect(row.status == .sent && row.payload == nil)
            #expect(row.body == "Confirmation link sent to me@example.com")
            try await harness.application.test(.router) { client in
                let page = try await client.execute(uri: "/email/verify?token=\(secret)", method: .get)
                #expect(page.status == .ok)
                #expect(page.text.contains("me@example.com") && page.text.contains("method=\"post\""))
                #expect(try await user(harness).email.verifiedAt == nil)  // a link scanner's GET changes nothing
                let confirmed = try await form(client, "/email/verify", "token=\(secret)")
                #expect(confirmed.status == .ok)
                #expect(try await user(harness).email.isUsable)
                #expect(try await user(harness).email.address == "me@example.com")
                let again = try await form(client, "/email/verify", "token=\(secret)")
                #expect(again.text.contains("Already confirmed"))
                let wrong = try await form(client, "/email/verify", "token=nope")
                #expect(wrong.status == .gone)
                let missing = try await form(client, "/email/verify", "")
                #expect(missing.status == .badRequest)
                let status = try await client.text("email")
                #expect(status.text.contains("Email: me@example.com (confirmed)."))
                #expect(status.text.contains("Everything comes by text."))
            }
        }
    }

    @Test("a link expires after 24 hours and a newer link replaces an older one")
    func expiry() async throws {
        let mail = RecordingMailTransport()
        try await Harness.with(mail: mail) { harness, _ in
            try await harness.application.test(.router) { client in
                _ = try await client.text("email first@example.com")
            }
            try await drain(harness)
            try await harness.application.test(.router) { client in
                _ = try await client.text("email second@example.com")
                _ = try await client.text("email third@example.com")
            }
            try await drain(harness)
            // The second link was replaced before it went out: only the newest is sent.
            #expect(mail.sent.map(\.to) == ["first@example.com", "third@example.com"])
            let first = try #require(token(in: mail.sent[0].text, path: "/email/verify"))
            let second = try #require(token(in: mail.sent[1].text, path: "/email/verify"))
            try await harness.application.test(.router) { client in
                let replaced = try await form(client, "/email/verify", "token=\(first)")
                #expect(replaced.status == .gone)
            }
            harness.clock.advance(by: 25 * 3600)
            try await harness.application.test(.router) { client in
                let firstResponse = try await form(client, "/email/verify", "token=\(first)")
                let secondResponse = try await form(client, "/email/verify", "token=\(second)")
                let secondPage = try await client.execute(uri: "/email/verify?token=\(second)", method: .get)
                #expect(firstResponse.status == .gone)
                #expect(secondResponse.status == .gone)
                #expect(secondPage.status == .gone)
            }
            #expect(try await user(harness).email.address == nil)
        }
    }

    @Test("at most three confirmation emails a day for one person")
    func rateLimited() async throws {
        let mail = RecordingMailTransport()
        try await Harness.with(mail: mail) { harness, _ in
            for index in 1...3 {
                try await harness.application.test(.router) { client in
                    _ = try await client.text("email me\(index)@example.com")
                }
                try await drain(harness)
            }
            try await harness.application.test(.router) { client in
                let fourth = try await client.text("email me4@example.com")
                #expect(fourth.text.contains("enough confirmation emails for today"))
            }
            try await drain(harness)
            #expect(mail.sent.count == 3)
            harness.clock.advance(by: 86_400)
            try await harness.application.test(.router) { client in
                let nextDay = try await client.text("email me4@example.com")
                #expect(nextDay.text.contains("Check me4@example.com"))
            }
        }
    }

    @Test("reminders both: one SMS and one email with RFC 8058 unsubscribe headers; a mail-server hiccup is retried alone")
    func both() async throws {
        let mail = RecordingMailTransport()
        try await Harness.with(mail: mail) { harness, twilio in
            try await confirm(harness, mail)
            try await harness.application.test(.router) { client in
                let reply = try await client.text("reminders both")
                #expect(reply.text.contains("By text and email: reminders."))
                _ = try await client.text("add stretch <now> in 10 min")
            }
            mail.script([.transient(errorCode: "smtp-421", message: "421 try later", retryAfterSeconds: nil)])
            harness.clock.advance(by: 600)
            try await drain(harness)
            #expect(twilio.received.filter { $0.body.contains("reminder: stretch <now>") }.count == 1)
            #expect(mail.sent.count == 1)  // the confirmation only: the reminder email waits for its retry
            harness.clock.advance(by: 120)
            try await drain(harness)
            #expect(twilio.received.filter { $0.body.contains("reminder: stretch") }.count == 1)  // not sent twice
            let email = try #require(mail.sent.last)
            #expect(email.subject == "Reminder: stretch <now>")
            #expect(email.html.contains("stretch &lt;now&gt;"))
            let unsubscribe = try #require(email.headers.first { $0.0 == "List-Unsubscribe" }?.1)
            #expect(unsubscribe.hasPrefix("<https://taskpulse.test/email/unsubscribe?token="))
            #expect(email.headers.contains { $0 == ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click") })
            #expect(email.text.contains(String(unsubscribe.dropFirst().dropLast())))
            let rows = try await harness.store.deliveries(userID: try await user(harness).id).filter { $0.kind == .reminder }
            #expect(rows.map(\.channel) == [.sms, .email])
            #expect(rows.allSatisfy { $0.status == .sent })
            #expect(rows[1].parentID == rows[0].id)
        }
    }

    @Test("reminders email: no SMS at all; unconfirmed or unsubscribed email falls back to SMS")
    func emailOnlyAndFallback() async throws {
        let mail = RecordingMailTransport()
        try await Harness.with(mail: mail) { harness, twilio in
            try await harness.application.test(.router) { client in
                let reply = try await client.text("reminders email")
                #expect(reply.text.contains("Until an address is confirmed, these come by text."))
                _ = try await client.text("add water plants in 5 min")
            }
            harness.clock.advance(by: 300)
            try await drain(harness)
            #expect(twilio.received.filter { $0.body.contains("water plants") }.count == 1)  // no address yet: by text
            #expect(mail.sent.isEmpty)

            try await confirm(harness, mail)
            try await harness.application.test(.router) { client in _ = try await client.text("add call bank in 5 min") }
            harness.clock.advance(by: 300)
            try await drain(harness)
            #expect(twilio.received.filter { $0.body.contains("call bank") }.isEmpty)
            let email = try #require(mail.sent.last)
            #expect(email.subject == "Reminder: call bank")
            let rows = try await harness.store.deliveries(userID: try await user(harness).id).filter { $0.kind == .reminder }
            #expect(rows.suffix(2).map(\.status) == [.canceled, .sent])
            #expect(rows.suffix(2).first?.errorMessage == "sent by email")

            // One-click unsubscribe as a mail client does it (RFC 8058), then email is off: back to SMS.
            let link = try #require(email.headers.first { $0.0 == "List-Unsubscribe" }?.1.dropFirst().dropLast())
            let path = String(link.dropFirst("https://taskpulse.test".count))
            try await harness.application.test(.router) { client in
                let page = try await client.execute(uri: path, method: .get)
                #expect(page.status == .ok && page.text.contains("method=\"post\""))
                #expect(try await user(harness).email.unsubscribedAt == nil)  // GET changes nothing
                let response = try await form(client, path, "List-Unsubscribe=One-Click")
                #expect(response.status == .ok)
                #expect(response.text.contains("me@example.com"))
                let unknown = try await form(client, "/email/unsubscribe?token=unknown", "List-Unsubscribe=One-Click")
                #expect(unknown.status == .notFound)
                _ = try await client.text("add pay rent in 5 min")
            }
            #expect(try await user(harness).email.unsubscribedAt != nil)
            let mailsBefore = mail.sent.count
            harness.clock.advance(by: 300)
            try await drain(harness)
            #expect(twilio.received.filter { $0.body.contains("pay rent") }.count == 1)
            #expect(mail.sent.count == mailsBefore)
            try await harness.application.test(.router) { client in
                let status = try await client.text("email")
                #expect(status.text.contains("unsubscribed"))
                #expect(status.text.contains("While you are unsubscribed, these come by text."))
            }
        }
    }

    @Test("an email-only reminder that bounces goes by text instead; DONE right after an emailed reminder acts on it")
    func bounceFallsBackToText() async throws {
        let mail = RecordingMailTransport()
        try await Harness.with(mail: mail) { harness, twilio in
            try await confirm(harness, mail)
            try await harness.application.test(.router) { client in
                _ = try await client.text("reminders email")
                _ = try await client.text("add buy stamps in 5 min")
                _ = try await client.text("add book table in 10 min")
            }
            mail.script([.permanent(errorCode: "smtp-550", message: "550 mailbox unavailable")])
            harness.clock.advance(by: 300)
            try await drain(harness)
            #expect(twilio.received.filter { $0.body.contains("buy stamps") }.count == 1)
            harness.clock.advance(by: 300)
            try await drain(harness)
            #expect(mail.sent.last?.subject == "Reminder: book table")
            #expect(twilio.received.filter { $0.body.contains("book table") }.isEmpty)
            try await harness.application.test(.router) { client in
                let reply = try await client.text("done")
                #expect(reply.text.contains("book table"))
            }
        }
    }

    @Test("a confirmation email that fails leaves no secret in the outbox")
    func failedConfirmationForgetsSecret() async throws {
        let mail = RecordingMailTransport()
        mail.script([.permanent(errorCode: "smtp-550", message: "550 no such user")])
        try await Harness.with(mail: mail) { harness, _ in
            try await harness.application.test(.router) { client in _ = try await client.text("email gone@example.com") }
            try await drain(harness)
            let rows = try await harness.store.deliveries(userID: try await user(harness).id)
            let row = try #require(rows.first { $0.kind == .emailVerification })
            #expect(row.status == .failed && row.payload == nil)
        }
    }

    @Test("STOP ends SMS, not email: a person with reminders both still gets the email")
    func stopKeepsEmail() async throws {
        let mail = RecordingMailTransport()
        try await Harness.with(mail: mail) { harness, twilio in
            try await confirm(harness, mail)
            try await harness.application.test(.router) { client in
                _ = try await client.text("reminders both")
                _ = try await client.text("add floss in 5 min")
                _ = try await client.text("STOP")
            }
            harness.clock.advance(by: 300)
            try await drain(harness)
            #expect(twilio.received.filter { $0.body.contains("floss") }.isEmpty)
            #expect(mail.sent.last?.subject == "Reminder: floss")
        }
    }

    @Test("agenda email: the morning agenda arrives by email with whole lists, and not by SMS")
    func agendaByEmail() async throws {
        let mail = RecordingMailTransport()
        try await Harness.with(mail: mail) { harness, twilio in
            try await confirm(harness, mail)
            try await harness.application.test(.router) { client in
                let reply = try await client.text("agenda and weekly by email")
                #expect(reply.text.contains("By email: agenda, weekly report."))
                _ = try await client.text("add call mom tomorrow 2pm")
                _ = try await client.text("add dentist & co tomorrow 4pm")
            }
            let newYork = TimeZone(identifier: "America/New_York")!
            harness.clock.advance(to: ZonedTime.instant(LocalDateTime(iso: "2026-11-24T09:00")!, in: newYork))
            try await drain(harness)
            #expect(twilio.received.filter { $0.body.contains("agenda") }.isEmpty)
            let agenda = try #require(mail.sent.last)
            #expect(agenda.subject == "Your agenda for Tue Nov 24")
            #expect(agenda.text.contains("#1 call mom (2:00 PM)") && agenda.text.contains("#2 dentist & co (4:00 PM)"))
            #expect(agenda.html.contains("dentist &amp; co"))
        }
    }

    @Test("email off forgets the address")
    func removeAndParse() async throws {
        let mail = RecordingMailTransport()
        try await Harness.with(mail: mail) { harness, _ in
            try await confirm(harness, mail)
            try await harness.application.test(.router) { client in
                let reply = try await client.text("email off")
                #expect(reply.text.contains("Removed me@example.com. Everything comes by text now."))
            }
            #expect(try await user(harness).email.address == nil)
        }
    }

    @Test("without a mail server, email commands say so and nothing is queued")
    func noMailServer() async throws {
        try await Harness.with { harness, _ in
            try await harness.application.test(.router) { client in
                let reply = try await client.text("email me@example.com")
                #expect(reply.text.contains("SMTP_URL"))
                let routing = try await client.text("weekly email")
                #expect(routing.text.contains("SMTP_URL"))
            }
            let rows = try await harness.store.deliveries(userID: try await user(harness).id)
            #expect(!rows.contains { $0.channel == .email })
        }
    }
}

/// The whole email path against a real SMTP server (aiosmtpd, started by the test; `scripts/test` installs it).
@Suite("Email through a real SMTP server", .enabled(if: SMTPSink.python != nil), .timeLimit(.minutes(1)))
struct EmailSMTPEndToEndTests {
    /// The decoded text/plain part of a raw message (our composer writes it base64).
    func plainText(_ data: String) -> String? {
        let lines = data.components(separatedBy: .newlines)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("Content-Type: text/plain") }) else { return nil }
        var encoded = ""
        for line in lines[(start + 1)...] {
            if line.hasPrefix("--") { break }
            if line.hasPrefix("Content-Transfer-Encoding") || line.isEmpty { continue }
            encoded += line
        }
        return Data(base64Encoded: encoded).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test("confirmation and a reminder arrive over STARTTLS with login, with one-click unsubscribe headers")
    func endToEnd() async throws {
        let sink = try #require(try SMTPSink(user: "tp", password: "secret"))
        defer { sink.stop() }
        let transport = try SMTPMailTransport(
            settings: SMTPSettings(
                host: "127.0.0.1", port: sink.port, username: "tp", password: "secret", security: .startTLSRequired,
                from: "tasks@example.com", caFile: sink.certificatePath),
            timeout: .seconds(10), logger: Logger(label: "test"))
        try await Harness.with(mail: transport) { harness, twilio in
            try await harness.application.test(.router) { client in _ = try await client.text("email me@example.com") }
            while try await harness.parts.dispatcher.drainOnce() > 0 {}
            let confirmation = try #require(sink.messages().first)
            #expect(confirmation.to == ["me@example.com"] && confirmation.from == "tasks@example.com")
            #expect(confirmation.data.contains("Subject: Confirm your email for TaskPulse"))
            let text = try #require(plainText(confirmation.data))
            let link = try #require(text.range(of: "https://taskpulse.test/email/verify?token="))
            let secret = String(text[link.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            try await harness.application.test(.router) { client in
                let confirmed = try await client.execute(
                    uri: "/email/verify", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "token=\(secret)"))
                #expect(confirmed.status == .ok)
                _ = try await client.text("reminders email")
                _ = try await client.text("add renew passport in 5 min")
            }
            harness.clock.advance(by: 300)
            while try await harness.parts.dispatcher.drainOnce() > 0 {}
            let messages = sink.messages()
            #expect(messages.count == 2)
            let reminder = try #require(messages.last)
            #expect(reminder.data.contains("Subject: Reminder: renew passport"))
            #expect(reminder.data.contains("List-Unsubscribe: <https://taskpulse.test/email/unsubscribe?token="))
            #expect(reminder.data.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"))
            #expect(plainText(reminder.data)?.contains("Reminder: renew passport (#1)") == true)
            #expect(twilio.received.filter { $0.body.contains("renew passport") }.isEmpty)
        }
    }
}
