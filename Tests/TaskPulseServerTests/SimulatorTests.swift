import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import TaskPulseDispatch
import TaskPulseDomain
import TaskPulseMessaging
import TaskPulseServer
import TaskPulseTestSupport
import Testing

@Suite("Dev mode phone simulator")
struct SimulatorTests {
    @Test("without SMTP_URL, emails land in the dev mailbox the simulator shows, with a working confirmation link")
    func devMailbox() async throws {
        try await TemporaryDatabase.with { database in
            let configuration = try TaskPulseConfiguration(environment: ["TASKPULSE_DATABASE_URL": database.url])
            let devMail = DevMailOutbox()
            let clock = FakeWallClock(now: Harness.start)
            let dependencies = Dependencies(
                store: try await database.openStore(), sms: DevOutboxSMSTransport(), devMail: devMail, clock: clock,
                logger: Logger(label: "test"), templates: try await Prompts.templates())
            let parts = buildParts(configuration, dependencies)
            let app = Application(router: try buildRouter(configuration, dependencies, parts: parts))
            try await app.test(.router) { client in
                _ = try await client.execute(
                    uri: "/simulator/api/send", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"from": "+15555550100", "body": "email sim@example.com"}"#))
                try await parts.dispatcher.drainOnce()
                let list = try await client.execute(uri: "/simulator/api/mail?phone=%2B15555550100", method: .get)
                let json = try #require(
                    try JSONSerialization.jsonObject(with: Data(list.body.readableBytesView)) as? [String: Any])
                let items = try #require(json["items"] as? [[String: Any]])
                #expect(items.count == 1)
                #expect(items.first?["to"] as? String == "sim@example.com")
                let text = try #require(items.first?["text"] as? String)
                // Dev links point at this machine, so the simulator's link can be clicked.
                #expect(text.contains("http://localhost:8080/email/verify?token="))
                let other = try await client.execute(uri: "/simulator/api/mail?phone=%2B15555550199", method: .get)
                #expect(!String(buffer: other.body).contains("sim@example.com"))
                let html = try await client.execute(uri: try #require(items.first?["html_url"] as? String), method: .get)
                #expect(html.status == .ok)
                #expect(html.headers[.init("Content-Security-Policy")!]?.hasPrefix("sandbox") == true)
                #expect(String(buffer: html.body).contains("Confirm my email"))
                let missing = try await client.execute(uri: "/simulator/mail/999", method: .get)
                #expect(missing.status == .notFound)
            }
        }
    }

    @Test("a phone-linking code shows in the simulator, also for a number that never texted, and links it")
    func linkingCode() async throws {
        try await TemporaryDatabase.with { database in
            let configuration = try TaskPulseConfiguration(environment: ["TASKPULSE_DATABASE_URL": database.url])
            let dependencies = Dependencies(
                store: try await database.openStore(), sms: DevOutboxSMSTransport(), clock: FakeWallClock(now: Harness.start),
                logger: Logger(label: "test"), templates: try await Prompts.templates())
            let parts = buildParts(configuration, dependencies)
            let app = Application(router: try buildRouter(configuration, dependencies, parts: parts))
            try await app.test(.router) { client in
                let json: @Sendable (TestResponse) throws -> [String: Any] = {
                    try #require(try JSONSerialization.jsonObject(with: Data($0.body.readableBytesView)) as? [String: Any])
                }
                let registered = try await client.execute(
                    uri: "/api/v1/auth/register", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"email": "dev@example.com", "password": "correct horse battery"}"#))
                let token = try #require(try json(registered)["access_token"] as? String)
                let auth: HTTPFields = [.contentType: "application/json", .authorization: "Bearer \(token)"]
                _ = try await client.execute(
                    uri: "/api/v1/me/phone", method: .post, headers: auth, body: ByteBuffer(string: #"{"phone": "+15555550177"}"#))
                try await parts.dispatcher.drainOnce()
                let conversation = try json(
                    try await client.execute(uri: "/simulator/api/conversation?phone=%2B15555550177", method: .get))
                let text = try #require((conversation["items"] as? [[String: Any]])?.last?["text"] as? String)
                #expect(text.hasPrefix("TaskPulse code: "))
                let code = String(text.dropFirst("TaskPulse code: ".count).prefix(6))
                let linked = try await client.execute(
                    uri: "/api/v1/me/phone/verify", method: .post, headers: auth, body: ByteBuffer(string: #"{"code": "\#(code)"}"#))
                #expect(linked.status == .ok)
            }
        }
    }

    @Test("texts from the simulator are answered; scheduled messages show up in the conversation")
    func simulatorConversation() async throws {
        try await TemporaryDatabase.with { database in
            let configuration = try TaskPulseConfiguration(environment: ["TASKPULSE_DATABASE_URL": database.url])
            #expect(configuration.isDevMode)
            let clock = FakeWallClock(now: Harness.start)
            let store = try await database.openStore()
            let dependencies = Dependencies(
                store: store, sms: DevOutboxSMSTransport(), clock: clock, logger: Logger(label: "test"),
                templates: try await Prompts.templates())
            let parts = buildParts(configuration, dependencies)
            let app = Application(router: try buildRouter(configuration, dependencies, parts: parts))
            try await app.test(.router) { client in
                let page = try await client.execute(uri: "/simulator", method: .get)
                #expect(page.status == .ok)
                #expect(String(buffer: page.body).contains("TaskPulse phone simulator"))
                let sent = try await client.execute(
                    uri: "/simulator/api/send", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"from": "+1 (555) 555-0100", "body": "remind me to stretch in 1 min"}"#)
                )
                #expect(sent.status == .ok)
                #expect(String(buffer: sent.body).contains("Added #1 stretch"))
                clock.advance(by: 60)
                try await parts.dispatcher.drainOnce()
                let conversation = try await client.execute(
                    uri: "/simulator/api/conversation?phone=%2B15555550100", method: .get)
                let json = try #require(
                    try JSONSerialization.jsonObject(with: Data(conversation.body.readableBytesView)) as? [String: Any])
                let items = try #require(json["items"] as? [[String: Any]])
                #expect(items.map { $0["direction"] as? String } == ["inbound", "reply", "outbound"])
                #expect((items.last?["text"] as? String)?.contains("reminder: stretch") == true)
                let bad = try await client.execute(
                    uri: "/simulator/api/send", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"from": "not a phone", "body": "x"}"#))
                #expect(bad.status == .badRequest)
                #expect(String(buffer: bad.body).contains(#""field":"from""#))
            }
        }
    }
}
