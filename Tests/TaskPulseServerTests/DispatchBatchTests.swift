import Foundation
import Logging
import NIOCore
import Synchronization
import TaskPulseDomain
import TaskPulseMessaging
import TaskPulseTestSupport
import TaskPulseTiming
import Testing

@testable import TaskPulseDispatch
@testable import TaskPulseStorage

@Suite("the dispatcher works through a burst in batches")
struct DispatchBatchTests {
    /// A store whose engine notes its reads and can hold its writes, `count` people each with one reminder due at `Harness.start`, and a
    /// dispatcher with `settings` sending to `twilio`.
    func withDueReminders(
        _ count: Int, settings: Dispatcher.Settings, twilio: FakeTwilioServer,
        _ body: (SQLTaskStore, RecordingEngine, Dispatcher) async throws -> Void
    ) async throws {
        try await TemporaryDatabase.with { database in
            let opened = try await database.openStore()
            let engine = RecordingEngine(base: opened.engine)
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let store = SQLTaskStore(engine: engine, calculator: OccurrenceCalculator(), logger: logger)
            let now = Harness.start
            for index in 0..<count {
                let user = try await store.ensureUser(phone: Self.phone(index), timeZoneID: "America/New_York", now: now)
                _ = try await store.applyChange(
                    .addTask(TaskDraft(title: "task \(index)", dueAt: now, remindAt: now, timeZoneID: "America/New_York")),
                    userID: user.id, now: now.addingTimeInterval(-3600))
            }
            var settings = settings
            settings.templates = try await Prompts.templates()
            let transport = TwilioSMSTransport(
                accountSID: "ACtest0000000000000000000000000000", authToken: Harness.authToken,
                sender: .number("+15550000000"), apiBase: twilio.baseURL, timeout: .seconds(5), logger: logger)
            let dispatcher = Dispatcher(
                store: store, transport: transport, clock: FakeWallClock(now: now), wakeup: DispatchWakeup(),
                settings: settings, logger: logger)
            try await body(store, engine, dispatcher)
        }
    }

    /// Every one of `count` reminders reached Twilio once and its row is recorded sent.
    func expectEachSentOnce(_ count: Int, store: SQLTaskStore, twilio: FakeTwilioServer) async throws {
        let bodies = twilio.received.map(\.body)
        #expect(bodies.count == count)
        #expect(Set((0..<count).map { "task \($0)" }) == Set(bodies.compactMap(Self.title)))
        for index in 0..<count {
            let user = try #require(try await store.user(phone: Self.phone(index)))
            #expect(try await store.reminderDeliveries(userID: user.id).map(\.status) == [.sent])
        }
    }

    @Test("40 rows due at once: each sent once after a re-read, one read per batch of free send slots, not per row")
    func rereadInBatches() async throws {
        let settings = Self.settings { $0.concurrency = 8; $0.refreshBatch = 4 }
        try await FakeTwilioServer.with { twilio in
            try await withDueReminders(40, settings: settings, twilio: twilio) { store, engine, dispatcher in
                let readsBefore = engine.reads
                #expect(try await dispatcher.drainOnce() == 40)
                // The first 8 rows fill every slot in one read; after that a read waits for 4 free slots.
                #expect(engine.reads - readsBefore <= 1 + 32 / 4)
                try await expectEachSentOnce(40, store: store, twilio: twilio)
            }
        }
    }

    @Test("a burst larger than a claim batch is worked through in one round, the next batch claimed while one is sent")
    func claimsAheadOfTheSends() async throws {
        let settings = Self.settings { $0.batchSize = 10; $0.concurrency = 4 }
        try await FakeTwilioServer.with { twilio in
            try await withDueReminders(45, settings: settings, twilio: twilio) { store, _, dispatcher in
                #expect(try await dispatcher.drainOnce() == 45)
                try await expectEachSentOnce(45, store: store, twilio: twilio)
                #expect(try await dispatcher.drainOnce() == 0)
            }
        }
    }

    @Test("a send's slot is free once Twilio answered, while its result waits for the disk, up to a bound")
    func sendsDoNotWaitForRecords() async throws {
        let settings = Self.settings { $0.concurrency = 4 }
        try await FakeTwilioServer.with { twilio in
            try await withDueReminders(12, settings: settings, twilio: twilio) { store, engine, dispatcher in
                // The claim is written; every record after it waits.
                engine.writesBeforeHolding.store(1, ordering: .relaxed)
                let drained = Task { try await dispatcher.drainOnce() }
                let deadline = ContinuousClock.now + .seconds(10)
                while twilio.received.count < 8, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
                // Twice the 4 slots went out although no result could be recorded...
                #expect(twilio.received.count == 8)
                // ...and no more: 4 results waiting on the disk stop further sends (the duplicate window
                // after a crash stays at most twice the sends in flight).
                try await Task.sleep(for: .milliseconds(300))
                #expect(twilio.received.count == 8)
                let held = engine.holdingWrites.load(ordering: .relaxed)
                #expect(held)
                engine.releaseWrites()
                #expect(try await drained.value == 12)
                try await expectEachSentOnce(12, store: store, twilio: twilio)
            }
        }
    }

    static func settings(_ change: (inout Dispatcher.Settings) -> Void) -> Dispatcher.Settings {
        var settings = Dispatcher.Settings()
        change(&settings)
        return settings
    }

    static func phone(_ index: Int) -> Phone { Phone("+1555555\(1000 + index)")! }

    /// The task title in a reminder text ("TaskPulse reminder: task 7 (#1) ...").
    static func title(_ body: String) -> String? {
        guard let start = body.range(of: "reminder: "), let end = body.range(of: " (#") else { return nil }
        return String(body[start.upperBound..<end.lowerBound])
    }
}
