import Foundation
import Synchronization
import TaskPulseDomain
import TaskPulseStorage
import TaskPulseTestSupport
import Testing

/// Runs on SQLite, and on PostgreSQL when `TASKPULSE_TEST_POSTGRES_URL` is set (`scripts/test` runs both).
@Suite("store on a real database (SQLite file, or PostgreSQL in the conformance run)")
struct StoreConformanceTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)
    let phone = Phone("+15555550100")!

    func message(_ sid: String, _ body: String = "text") -> InboundMessage {
        InboundMessage(messageSid: sid, body: body, receivedAt: now)
    }

    func draft(_ title: String, remindIn seconds: TimeInterval? = 3600) -> TaskDraft {
        let at = seconds.map { now.addingTimeInterval($0) }
        return TaskDraft(title: title, dueAt: at, remindAt: at, timeZoneID: "America/New_York")
    }

    @discardableResult
    func apply(_ store: SQLTaskStore, _ user: User, _ change: TaskChange, sid: String = UUID().uuidString)
        async throws
        -> ChangeOutcome
    {
        let captured = OutcomeBox()
        _ = try await store.handleInbound(message(sid), userID: user.id, change: change, now: now) { outcome, _ in
            captured.set(outcome)
            return "reply"
        }
        return try #require(captured.value)
    }

    @Test("a task and its reminder are written together; numbers are per person")
    func addWritesOutboxRow() async throws {
        try await TemporaryDatabase.with { database in
            let store = try await database.openStore()
            let alice = try await store.ensureUser(phone: phone, timeZoneID: "America/New_York", now: now)
            let bob = try await store.ensureUser(phone: Phone("+15555550199")!, timeZoneID: "Europe/Berlin", now: now)
            try await apply(store, alice, .addTask(draft("one")))
            try await apply(store, alice, .addTask(draft("two", remindIn: nil)))
            let outcome = try await apply(store, bob, .addTask(draft("bob's")))
            guard case .added(let bobTask, _) = outcome else {
                Issue.record("expected added")
                return
            }
            #expect(bobTask.number == 1)
            #expect(try await store.tasks(userID: alice.id, status: .open).map(\.number) == [1, 2])
            let deliveries = try await store.reminderDeliveries(userID: alice.id)
            #expect(deliveries.count == 1)
            #expect(deliveries.first?.status == .pending)
            #expect(deliveries.first?.dueAt == now.addingTimeInterval(3600))
        }
    }

    @Test("a message id is handled once: the retry gets the same reply and changes nothing")
    func idempotentInbound() async throws {
        try await TemporaryDatabase.with { database in
            let store = try await database.openStore()
            let user = try await store.ensureUser(phone: phone, timeZoneID: "America/New_York", now: now)
            let first = try await store.handleInbound(
                message("SM1"), userID: user.id, change: .addTask(draft("x")), now: now
            ) { _, _ in "first" }
            let second = try await store.handleInbound(
                message("SM1"), userID: user.id, change: .addTask(draft("x")), now: now
            ) { _, _ in "second" }
            #expect(first == InboundResult(reply: "first", isDuplicate: false, scheduledDelivery: true, isFirstMessage: true))
            #expect(second == InboundResult(reply: "first", isDuplicate: true, scheduledDelivery: false))
            #expect(try await store.tasks(userID: user.id, status: nil).count == 1)
            #expect(try await store.inboundSender(messageSid: "SM1", phone: phone).recordedReply == "first")
            let fresh = try await store.inboundSender(messageSid: "SM2", phone: phone)
            #expect(fresh.recordedReply == nil)
            #expect(fresh.user?.id == user.id)
            #expect(try await store.inboundSender(messageSid: "SM3", phone: Phone("+15550000042")!).user == nil)
        }
    }

    @Test("first texts from a new number arriving at once create one person")
    func concurrentNewUser() async throws {
        try await TemporaryDatabase.with { database in
            let store = try await database.openStore()
            let ids = try await withThrowingTaskGroup(of: UserID.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await store.ensureUser(phone: phone, timeZoneID: "America/New_York", now: now).id
                    }
                }
                return try await group.reduce(into: Set<UserID>()) { $0.insert($1) }
            }
            #expect(ids.count == 1)
        }
    }

    @Test("done and delete cancel reminders; undo brings the task and its reminder back")
    func doneDeleteUndo() async throws {
        try await TemporaryDatabase.with { database in
            let store = try await database.openStore()
            let user = try await store.ensureUser(phone: phone, timeZoneID: "America/New_York", now: now)
            try await apply(store, user, .addTask(draft("a")))
            try await apply(store, user, .addTask(draft("b")))
            let done = try await apply(store, user, .complete(.numbers([1, 7])))
            guard case .completed(let completed, let missing, _) = done else {
                Issue.record("expected completed")
                return
            }
            #expect(completed.map(\.title) == ["a"])
            #expect(missing == [7])
            #expect(try await store.reminderDeliveries(userID: user.id).map(\.status) == [.canceled, .pending])
            let undo = try await apply(store, user, .undo)
            #expect(undo == .undone("reopened #1 a"))
            #expect(try await store.tasks(userID: user.id, status: .open).map(\.title) == ["a", "b"])
            #expect(try await store.reminderDeliveries(userID: user.id).filter { $0.status == .pending }.count == 2)
            #expect(try await apply(store, user, .undo) == .nothingToUndo)
            try await apply(store, user, .delete(.numbers([2]), scope: nil))
            #expect(try await store.tasks(userID: user.id, status: .open).map(\.title) == ["a"])
            // The freed number is reused by the next task.
            try await apply(store, user, .addTask(draft("c")))
            #expect(try await store.tasks(userID: user.id, status: .open).map(\.number) == [1, 2])
            #expect(try await apply(store, user, .undo) == .undone("removed #2 c"))
        }
    }

    @Test("a fragment that matches several tasks asks instead of guessing")
    func ambiguousFragment() async throws {
        try await TemporaryDatabase.with { database in
            let store = try await database.openStore()
            let user = try await store.ensureUser(phone: phone, timeZoneID: "America/New_York", now: now)
            try await apply(store, user, .addTask(draft("buy milk")))
            try await apply(store, user, .addTask(draft("milk the cat")))
            guard case .ambiguous(_, let matches) = try await apply(store, user, .complete(.query("MILK"))) else {
                Issue.record("expected ambiguous")
                return
            }
            #expect(matches.count == 2)
            guard case .completed(let done, _, _) = try await apply(store, user, .complete(.query("cat"))) else {
                Issue.record("expected completed")
                return
            }
            #expect(done.map(\.title) == ["milk the cat"])
            #expect(try await apply(store, user, .complete(.query("dog"))) == .noMatch(query: "dog"))
        }
    }

    @Test("claims lease due rows once; an expired lease is claimed again")
    func claims() async throws {
        try await TemporaryDatabase.with { database in
            let store = try await database.openStore()
            let user = try await store.ensureUser(phone: phone, timeZoneID: "America/New_York", now: now)
            try await apply(store, user, .addTask(draft("soon", remindIn: 60)))
            try await apply(store, user, .addTask(draft("later", remindIn: 7200)))
            #expect(
                try await store.claimDueDeliveries(now: now, limit: 10, leaseUntil: now.addingTimeInterval(60)).isEmpty)
            #expect(try await store.nextPendingDeliveryDue() == now.addingTimeInterval(60))
            let due = now.addingTimeInterval(61)
            let claimed = try await store.claimDueDeliveries(
                now: due, limit: 10, leaseUntil: due.addingTimeInterval(60))
            #expect(claimed.map { $0.task?.title } == ["soon"])
            #expect(claimed.first?.user.phone == phone)
            #expect(
                try await store.claimDueDeliveries(now: due, limit: 10, leaseUntil: due.addingTimeInterval(60)).isEmpty)
            let afterLease = due.addingTimeInterval(61)
            let reclaimed = try await store.claimDueDeliveries(
                now: afterLease, limit: 10, leaseUntil: afterLease.addingTimeInterval(60))
            #expect(reclaimed.first?.delivery.attempts == 2)
            try await store.recordDeliveryResult(
                .sent(providerMessageID: "SM9", body: "hi"), deliveryID: reclaimed[0].delivery.id, now: afterLease)
            let sent = try await store.reminderDeliveries(userID: user.id).first
            #expect(sent?.status == .sent)
            #expect(sent?.providerMessageID == "SM9")
        }
    }

    @Test("Twilio's 21610 marks the person opted out")
    func providerOptOut() async throws {
        try await TemporaryDatabase.with { database in
            let store = try await database.openStore()
            let user = try await store.ensureUser(phone: phone, timeZoneID: "America/New_York", now: now)
            try await apply(store, user, .addTask(draft("x", remindIn: 0)))
            let claimed = try await store.claimDueDeliveries(
                now: now, limit: 10, leaseUntil: now.addingTimeInterval(60))
            try await store.recordDeliveryResult(
                .recipientOptedOut(errorCode: "21610", message: "unsubscribed"), deliveryID: claimed[0].delivery.id,
                now: now)
            #expect(try await store.user(phone: phone)?.isOptedOut == true)
            #expect(try await store.reminderDeliveries(userID: user.id).first?.errorCode == "21610")
        }
    }

    @Test("data survives reopening the file (a restart)")
    func reopen() async throws {
        try await TemporaryDatabase.with { database in
            let first = try await database.openStore()
            let user = try await first.ensureUser(phone: phone, timeZoneID: "America/New_York", now: now)
            try await apply(first, user, .addTask(draft("persisted")))
            let second = try await database.openStore()
            #expect(try await second.tasks(userID: user.id, status: .open).map(\.title) == ["persisted"])
        }
    }
}

/// Captures the outcome the store hands the reply renderer.
final class OutcomeBox: Sendable {
    private let storage = Mutex<ChangeOutcome?>(nil)
    var value: ChangeOutcome? { storage.withLock { $0 } }
    func set(_ outcome: ChangeOutcome) { storage.withLock { $0 = outcome } }
}
