import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycleTestKit
import TaskPulseDomain
import TaskPulseServer
import TaskPulseStorage
import TaskPulseTestSupport
import Testing

@testable import TaskPulseDispatch

@Suite("Reminders through the durable outbox (DESIGN §4)", .timeLimit(.minutes(1)))
struct ReminderDeliveryTests {
    let phone = Phone("+15555550100")!

    @Test("text in, clock moved, the reminder arrives at Twilio once, at its time")
    func endToEnd() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                let reply = try await client.text("remind me to stretch in 20 min")
                #expect(reply.text.contains("Added #1 stretch, Mon Nov 23 10:35 AM EST"))
            }
            // The real dispatcher loop runs on the fake clock: nothing is due yet.
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await harness.parts.dispatcher.run() }
                    #expect(await harness.clock.waitForSleeper())
                    harness.clock.advance(by: 19 * 60)
                    #expect(await harness.clock.waitForSleeper())
                    #expect(twilio.received.isEmpty)
                    harness.clock.advance(by: 60)
                    #expect(await twilio.waitForMessages(1))
                    // Graceful shutdown lets the dispatcher finish (and record) the batch in hand.
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()
                }
            }
            let message = try #require(twilio.received.first)
            #expect(message.to == "+15555550100")
            #expect(message.from == "+15550000000")
            #expect(message.body == "TaskPulse reminder: stretch (#1). Reply DONE 1 when finished.")
            let expectedAuth =
                "Basic " + Data("ACtest0000000000000000000000000000:\(Harness.authToken)".utf8).base64EncodedString()
            #expect(message.authorization == expectedAuth)
            let user = try #require(try await harness.store.user(phone: phone))
            let delivery = try #require(try await harness.store.reminderDeliveries(userID: user.id).first)
            #expect(delivery.status == .sent)
            #expect(delivery.providerMessageID == "SMfake1")
            #expect(twilio.received.count == 1)
        }
    }

    @Test("STOP before a due reminder: nothing is sent; START restores later reminders")
    func stopBeforeReminder() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                _ = try await client.text("add pay rent in 10 min")
                _ = try await client.text("add water plants in 2 hours")
                let stop = try await client.text("STOP")
                #expect(stop.text.contains("unsubscribed"))
                let ignored = try await client.text("list")
                #expect(ignored.text.contains("<Response/>"))
            }
            harness.clock.advance(by: 15 * 60)
            try await harness.parts.dispatcher.drainOnce()
            #expect(twilio.attempts == 0)
            let user = try #require(try await harness.store.user(phone: phone))
            #expect(try await harness.store.reminderDeliveries(userID: user.id).map(\.status) == [.suppressed, .pending])
            try await harness.application.test(.router) { client in
                let start = try await client.text("START")
                #expect(start.text.contains("subscribed"))
            }
            harness.clock.advance(by: 105 * 60)  // exactly the 2-hour reminder's time
            try await harness.parts.dispatcher.drainOnce()
            #expect(twilio.received.contains { $0.body == "TaskPulse reminder: water plants (#2). Reply DONE 2 when finished." })
            // The reminder held back by STOP is never sent (an overdue nudge may name the task later).
            #expect(!twilio.received.contains { $0.body.contains("reminder: pay rent") })
        }
    }

    @Test("Twilio's own STOP answer is not repeated (OptOutType)")
    func twilioAnsweredStop() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                var fields = Harness.fields(from: "+15555550100", body: "STOP", sid: "SMstop1")
                fields.append(("OptOutType", "STOP"))
                let response = try await client.postSigned(fields)
                #expect(response.text.hasSuffix("<Response/>"))
            }
            #expect(try await harness.store.user(phone: phone)?.isOptedOut == true)
        }
    }

    @Test("after a crash (kill -9) mid-send, a restart sends every due reminder once, without waiting out the lease")
    func restartWithDueRows() async throws {
        // The embedded engine's promise: one process per file, so a new one may release the old claims at
        // once. Nodes sharing PostgreSQL wait for the lease instead (StoreClusterTests).
        try await FakeTwilioServer.with { twilio in
            try await TemporaryDatabase.with(engine: .sqlite) { database in
                let clock = FakeWallClock(now: Harness.start)
                let before = try await Harness(database: database, twilio: twilio, clock: clock)
                try await before.application.test(.router) { client in
                    _ = try await client.text("add call mom in 5 min")
                    _ = try await client.text("add feed cat in 6 min")
                }
                // The process dies after claiming one row and before sending anything.
                clock.advance(by: 6 * 60 + 30)
                let claimed = try await before.store.claimDueDeliveries(
                    now: clock.now(), limit: 1, leaseUntil: clock.now().addingTimeInterval(60))
                #expect(claimed.count == 1)
                // Down for 10 seconds (less than the 60-second lease); then a new process opens the same
                // file and must not wait for the dead process's lease to run out.
                clock.advance(by: 10)
                let after = try await Harness(database: database, twilio: twilio, clock: clock)
                try await testGracefulShutdown { trigger in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await after.parts.dispatcher.run() }
                        #expect(await twilio.waitForMessages(2))
                        trigger.triggerGracefulShutdown()
                        try await group.waitForAll()
                    }
                }
                let user = try #require(try await after.store.user(phone: phone))
                #expect(try await after.store.reminderDeliveries(userID: user.id).map(\.status) == [.sent, .sent])
                #expect(twilio.received.count == 2)
                #expect(
                    Set(twilio.received.map(\.body)) == [
                        "TaskPulse reminder: call mom (#1). Reply DONE 1 when finished.",
                        "TaskPulse reminder: feed cat (#2). Reply DONE 2 when finished.",
                    ])
            }
        }
    }

    @Test("reminders that came due during downtime say they are late")
    func lateAfterDowntime() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in _ = try await client.text("add call mom in 5 min") }
            harness.clock.advance(by: 3600)
            try await harness.parts.dispatcher.drainOnce()
            #expect(
                twilio.received.map(\.body) == [
                    "TaskPulse reminder: call mom (#1), sent late: it was due 10:20 AM. Reply DONE 1 when finished."
                ])
        }
    }

    @Test("a STOP or a done that arrives after the claim still stops the send")
    func changesBetweenClaimAndSend() async throws {
        try await Harness.with { harness, twilio in
            let claimed = try await harness.claimTwoDueReminders()
            #expect(claimed.count == 2)
            try await harness.application.test(.router) { client in
                _ = try await client.text("please stop texting me", from: "+15555550100")
                _ = try await client.text("done 1", from: "+15555550101")
            }
            for delivery in claimed {
                let result = await harness.parts.dispatcher.decide(delivery)
                switch delivery.user.phone?.e164 {
                case "+15555550100": #expect(result == .suppressed(reason: "recipient opted out"))
                default: #expect(result == .canceled(reason: "task no longer open"))
                }
            }
            #expect(twilio.attempts == 0)
        }
    }

    @Test("a dispatcher whose claim was taken over by another node neither sends nor records the row")
    func lostClaimIsLeftAlone() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in _ = try await client.text("add stretch in 1 min") }
            harness.clock.advance(by: 60)
            let slow = try await harness.store.claimDueDeliveries(
                now: harness.clock.now(), limit: 10, leaseUntil: harness.clock.now().addingTimeInterval(60))
            // The slow node's lease runs out and another node claims the row.
            harness.clock.advance(by: 61)
            let other = try await harness.store.claimDueDeliveries(
                now: harness.clock.now(), limit: 10, leaseUntil: harness.clock.now().addingTimeInterval(60))
            #expect(other.map(\.delivery.attempts) == [2])
            let decision = await harness.parts.dispatcher.decideWithCopy(try #require(slow.first))
            #expect(decision.claimLost)
            #expect(twilio.attempts == 0)
            // The row is still the other node's to send.
            let user = try #require(try await harness.store.user(phone: phone))
            let row = try #require(try await harness.store.reminderDeliveries(userID: user.id).first)
            #expect(row.status == .sending && row.attempts == 2)
        }
    }

    @Test("a fresh claim is only re-read before its send; one with less than half its lease left is renewed")
    func leaseRenewedOnlyWhenRunningOut() async throws {
        try await Harness.with { harness, twilio in
            let claimed = try await harness.claimTwoDueReminders()
            let lease = harness.clock.now().addingTimeInterval(60)
            #expect(claimed.count == 2 && claimed.allSatisfy { $0.leaseUntil == lease })
            func leaseLeft(_ delivery: Delivery) async throws -> TimeInterval? {
                try await harness.store.currentClaim(ofDelivery: delivery.id, attempt: delivery.attempts)?.leaseUntil?
                    .timeIntervalSince(harness.clock.now())
            }
            // 10 s later, 50 s of the lease are left: sent on the claim as it is.
            harness.clock.advance(by: 10)
            let fresh = claimed[0].delivery
            #expect(await harness.parts.dispatcher.decide(claimed[0]).isSent)
            #expect(try await leaseLeft(fresh).map { abs($0 - 50) < 0.01 } == true)
            // 35 s after the claim, 25 s are left: renewed for a whole lease from now before the send.
            harness.clock.advance(by: 25)
            let late = claimed[1].delivery
            #expect(await harness.parts.dispatcher.decide(claimed[1]).isSent)
            #expect(try await leaseLeft(late).map { abs($0 - 60) < 0.01 } == true)
            #expect(twilio.received.count == 2)
        }
    }

    @Test("a claim is renewed when less than half its lease is left, or when its lease is not known")
    func renewalThreshold() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(!Dispatcher.needsRenewal(leaseUntil: now.addingTimeInterval(31), now: now, leaseDuration: 60))
        #expect(Dispatcher.needsRenewal(leaseUntil: now.addingTimeInterval(29), now: now, leaseDuration: 60))
        #expect(Dispatcher.needsRenewal(leaseUntil: now.addingTimeInterval(-1), now: now, leaseDuration: 60))
        #expect(Dispatcher.needsRenewal(leaseUntil: nil, now: now, leaseDuration: 60))
    }

    @Test("429 then 201: the reminder is retried after a backoff and sent once")
    func retryAfter429() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in _ = try await client.text("add stretch in 1 min") }
            twilio.script([.init(status: 429, code: 20429, retryAfter: "30")])
            harness.clock.advance(by: 60)
            try await harness.parts.dispatcher.drainOnce()
            #expect(twilio.attempts == 1 && twilio.received.isEmpty)
            let user = try #require(try await harness.store.user(phone: phone))
            let waiting = try #require(try await harness.store.reminderDeliveries(userID: user.id).first)
            #expect(waiting.status == .pending)
            #expect(waiting.errorCode == "20429")
            // Retry-After (30 s) is a floor for the backoff: nothing is tried sooner.
            #expect(waiting.dueAt >= harness.clock.now().addingTimeInterval(30))
            harness.clock.advance(by: 10)
            #expect(try await harness.parts.dispatcher.drainOnce() == 0)
            harness.clock.advance(to: waiting.dueAt)
            try await harness.parts.dispatcher.drainOnce()
            #expect(twilio.received.count == 1)
            let sent = try #require(try await harness.store.reminderDeliveries(userID: user.id).first)
            #expect(sent.status == .sent && sent.attempts == 2)
        }
    }

    @Test("5xx retries give up after the retry budget and mark the row dead")
    func deadAfterRetries() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in _ = try await client.text("add stretch in 1 min") }
            let attempts = RetryPolicy().maximumAttempts
            twilio.script(Array(repeating: .init(status: 500, bodyContaining: "reminder: stretch"), count: attempts))
            for _ in 0..<attempts {
                harness.clock.advance(by: 3600)
                try await harness.parts.dispatcher.drainOnce()
            }
            let user = try #require(try await harness.store.user(phone: phone))
            let delivery = try #require(try await harness.store.reminderDeliveries(userID: user.id).first)
            #expect(delivery.status == .dead)
            #expect(delivery.attempts == attempts)
            harness.clock.advance(by: 3600)
            try await harness.parts.dispatcher.drainOnce()
            #expect(try await harness.store.reminderDeliveries(userID: user.id).first?.status == .dead)
        }
    }

    @Test("21610 is permanent: no retry, the person is opted out, later reminders are suppressed")
    func optedOutAtTwilio() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                _ = try await client.text("add stretch in 1 min")
                _ = try await client.text("add drink water in 2 hours")
            }
            twilio.script([.init(status: 400, code: 21610)])
            harness.clock.advance(by: 60)
            try await harness.parts.dispatcher.drainOnce()
            harness.clock.advance(by: 3 * 3600)
            try await harness.parts.dispatcher.drainOnce()
            #expect(twilio.attempts == 1)
            #expect(try await harness.store.user(phone: phone)?.isOptedOut == true)
            let user = try #require(try await harness.store.user(phone: phone))
            #expect(try await harness.store.reminderDeliveries(userID: user.id).map(\.status) == [.failed, .suppressed])
        }
    }

    @Test("21211 marks the number invalid and is not retried")
    func invalidNumber() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in _ = try await client.text("add stretch in 1 min") }
            twilio.script([.init(status: 400, code: 21211)])
            harness.clock.advance(by: 60)
            try await harness.parts.dispatcher.drainOnce()
            harness.clock.advance(by: 3600)
            try await harness.parts.dispatcher.drainOnce()  // later digests to the number are suppressed too
            #expect(try await harness.store.user(phone: phone)?.numberInvalidAt != nil)
            #expect(twilio.attempts == 1)
        }
    }

    @Test("a task completed or deleted before its time never fires its reminder")
    func completedBeforeDue() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                _ = try await client.text("add a in 5 min")
                _ = try await client.text("add b in 5 min")
                _ = try await client.text("done 1")
                _ = try await client.text("delete 2")
            }
            harness.clock.advance(by: 600)
            #expect(try await harness.parts.dispatcher.drainOnce() == 0)
            #expect(twilio.attempts == 0)
        }
    }

    @Test("a rescheduled task fires once, at its new time, never at its old one (moved later, moved earlier, snoozed)")
    func rescheduledFiresOnceAtNewTime() async throws {
        try await Harness.with { harness, twilio in
            try await harness.application.test(.router) { client in
                _ = try await client.text("add later in 10 min")
                _ = try await client.text("add sooner in 60 min")
                _ = try await client.text("add snoozed in 10 min")
                _ = try await client.text("move 1 in 40 min")
                _ = try await client.text("move 2 in 20 min")
                _ = try await client.text("snooze 3 30m")  // counted from now, not from its time: due in 30 min
            }
            // Reminders only: the overdue nudge that follows is another message.
            func bodies() -> [String] { twilio.received.map(\.body).filter { $0.contains("reminder:") } }
            harness.clock.advance(by: 10 * 60)  // the old times of #1 and #3
            try await harness.parts.dispatcher.drainOnce()
            #expect(bodies().isEmpty)
            harness.clock.advance(by: 10 * 60)  // #2's new time
            try await harness.parts.dispatcher.drainOnce()
            #expect(bodies().count == 1 && bodies()[0].contains("sooner"))
            harness.clock.advance(by: 10 * 60)  // #3's new time
            try await harness.parts.dispatcher.drainOnce()
            #expect(bodies().count == 2 && bodies()[1].contains("snoozed"))
            harness.clock.advance(by: 10 * 60)  // #1's new time
            try await harness.parts.dispatcher.drainOnce()
            harness.clock.advance(by: 30 * 60)  // #2's old time, and well past everything
            try await harness.parts.dispatcher.drainOnce()
            #expect(bodies().count == 3)
            for title in ["later", "sooner", "snoozed"] {
                #expect(bodies().filter { $0.contains(title) }.count == 1, "\(title): \(bodies())")
            }
        }
    }
}

extension Harness {
    /// Two people each add a reminder due in a minute; the minute passes and both are claimed for 60 s.
    fileprivate func claimTwoDueReminders() async throws -> [ClaimedDelivery] {
        try await application.test(.router) { client in
            _ = try await client.text("add a in 1 min", from: "+15555550100")
            _ = try await client.text("add b in 1 min", from: "+15555550101")
        }
        clock.advance(by: 60)
        let now = clock.now()
        return try await store.claimDueDeliveries(now: now, limit: 10, leaseUntil: now.addingTimeInterval(60))
    }
}

extension DeliveryResult {
    fileprivate var isSent: Bool {
        if case .sent = self { return true }
        return false
    }
}
