import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

import TaskPulseDispatch
import TaskPulseDomain
import TaskPulseServer
import TaskPulseStorage
import TaskPulseTestSupport

@Suite("Delivery status: Twilio callbacks and the status command", .timeLimit(.minutes(1)))
struct StatusCallbackTests {
    func callback(_ client: some TestClientProtocol, sid: String, status: String, errorCode: String? = nil, signed: Bool = true)
        async throws -> TestResponse
    {
        var fields = [("MessageSid", sid), ("MessageStatus", status), ("AccountSid", "ACtest0000000000000000000000000000")]
        if let errorCode { fields.append(("ErrorCode", errorCode)) }
        let (form, signature) = Harness.signedForm(fields, path: "/twilio/status")
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if signed { headers[.init("X-Twilio-Signature")!] = signature }
        return try await client.execute(uri: "/twilio/status", method: .post, headers: headers, body: ByteBuffer(string: form))
    }

    @Test("signed callbacks update the delivery, out-of-order ones never move it backwards, and status reports it")
    func callbacks() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                _ = try await client.text("remind me to stretch in 1 min")
                harness.clock.advance(by: 60)
                try await harness.parts.dispatcher.drainOnce()
                #expect(twilio.received.count == 1)
                #expect(try await callback(client, sid: "SMfake1", status: "delivered").status == .noContent)
                #expect(try await callback(client, sid: "SMfake1", status: "sent").status == .noContent)
                let user = try #require(try await harness.store.user(phone: Phone("+15555550100")!))
                #expect(try await harness.store.reminderDeliveries(userID: user.id).first?.status == .delivered)
                #expect(try await callback(client, sid: "SMfake1", status: "delivered", signed: false).status == .forbidden)
                #expect(try await callback(client, sid: "SMfake1", status: "exploded").status == .badRequest)
                #expect(try await callback(client, sid: "SMunknown", status: "delivered").status == .noContent)
                let status = try await client.text("status")
                #expect(status.text.contains("TaskPulse reminder: stretch (#1). Reply... delivered"))
            }
        }
    }

    @Test("a carrier's 30006 (landline) marks the message failed and the number invalid")
    func undelivered() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                _ = try await client.text("remind me to stretch in 1 min")
                harness.clock.advance(by: 60)
                try await harness.parts.dispatcher.drainOnce()
                _ = try await callback(client, sid: "SMfake1", status: "undelivered", errorCode: "30006")
                let user = try #require(try await harness.store.user(phone: Phone("+15555550100")!))
                let delivery = try #require(try await harness.store.reminderDeliveries(userID: user.id).first)
                #expect(delivery.status == .failed)
                #expect(delivery.errorCode == "30006")
                #expect(try await harness.store.user(phone: Phone("+15555550100")!)?.numberInvalidAt != nil)
            }
        }
    }

    @Test("a callback that arrives before the send result is recorded is kept and applied")
    func earlyCallback() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                _ = try await client.text("remind me to stretch in 1 min")
                // Twilio's callback races ahead of our own record of the send (the fake names it SMfake1).
                #expect(try await callback(client, sid: "SMfake1", status: "delivered").status == .noContent)
                harness.clock.advance(by: 60)
                try await harness.parts.dispatcher.drainOnce()
                let user = try #require(try await harness.store.user(phone: Phone("+15555550100")!))
                #expect(try await harness.store.reminderDeliveries(userID: user.id).first?.status == .delivered)
            }
        }
    }
}
