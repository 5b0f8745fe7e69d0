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
    @Test("texts from the simulator are answered; scheduled messages show up in the conversation")
    func simulatorConversation() async throws {
        try await TemporaryDatabase.with { database in
            let configuration = try TaskPulseConfiguration(environment: ["TASKPULSE_DATABASE_URL": database.path])
            #expect(configuration.isDevMode)
            let clock = FakeWallClock(now: Harness.start)
            let store = try await database.openStore()
            let dependencies = Dependencies(
                store: store, sms: DevOutboxSMSTransport(), clock: clock, logger: Logger(label: "test"),
                templates: try await Prompts.templates())
            let parts = buildParts(configuration, dependencies)
            let app = Application(router: buildRouter(configuration, dependencies, parts: parts))
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
