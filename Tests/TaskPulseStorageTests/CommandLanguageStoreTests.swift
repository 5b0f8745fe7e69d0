import Foundation
import Synchronization
import Testing

import TaskPulseDomain
import TaskPulseStorage
import TaskPulseTestSupport
import TaskPulseTiming

/// The store side of the command language: repeating series, snooze/move/rename, questions, undo, settings.
@Suite("Command language in the store")
struct CommandLanguageStoreTests {
    static let zone = "America/New_York"
    /// Monday 2026-11-23 10:15 in New York.
    let now = ZonedTime.instant(LocalDateTime(iso: "2026-11-23T10:15")!, in: TimeZone(identifier: zone)!)

    func local(_ date: Date?) -> String? {
        date.map { ZonedTime.local($0, in: TimeZone(identifier: CommandLanguageStoreTests.zone)!).description }
    }

    func at(_ text: String) -> Date { ZonedTime.instant(LocalDateTime(iso: text)!, in: TimeZone(identifier: CommandLanguageStoreTests.zone)!) }

    struct Fixture {
        let store: SQLTaskStore
        let user: User
        var now: Date

        @discardableResult
        func apply(_ change: TaskChange, at time: Date? = nil) async throws -> ChangeOutcome {
            let box = Mutex<ChangeOutcome?>(nil)
            _ = try await store.handleInbound(
                InboundMessage(messageSid: UUID().uuidString, body: "x", receivedAt: time ?? now), userID: user.id,
                change: change, now: time ?? now
            ) { outcome, _ in
                box.withLock { $0 = outcome }
                return "ok"
            }
            return try #require(box.withLock { $0 })
        }

        func open() async throws -> [TaskItem] { try await store.tasks(userID: user.id, status: .open) }
    }

    func withFixture(_ body: (Fixture) async throws -> Void) async throws {
        try await TemporaryDatabase.with { database in
            let store = try await database.openStore()
            let user = try await store.ensureUser(phone: Phone("+15555550100")!, timeZoneID: CommandLanguageStoreTests.zone, now: now)
            try await body(Fixture(store: store, user: user, now: now))
        }
    }

    func weekdayStretch() -> TaskDraft {
        let first = at("2026-11-24T07:00")
        return TaskDraft(
            title: "stretch", dueAt: first, remindAt: first, timeZoneID: CommandLanguageStoreTests.zone,
            recurrence: Recurrence(rrule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")!, occurrenceMinutes: 420)
    }

    @Test("a repeating add reports its next occurrences; done keeps history and brings the next under the same number")
    func repeatingDone() async throws {
        try await withFixture { fixture in
            guard case .added(let task, let upcoming) = try await fixture.apply(.addTask(weekdayStretch())) else {
                Issue.record("expected added"); return
            }
            #expect(upcoming.map(local) == ["2026-11-24T07:00", "2026-11-25T07:00"])
            #expect(task.recurrence?.rrule == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")
            // Completed late (Wednesday 08:00): the schedule does not shift; Thursday is next.
            guard case .completed(let done, _, let next) = try await fixture.apply(.complete(.numbers([1])), at: at("2026-11-25T08:00"))
            else { Issue.record("expected completed"); return }
            #expect(done.first?.status == .done)
            #expect(next.map { local($0.dueAt) } == ["2026-11-26T07:00"])
            #expect(next.first?.number == task.number)
            let all = try await fixture.store.tasks(userID: fixture.user.id, status: nil)
            #expect(all.map(\.status) == [.done, .open])
        }
    }

    @Test("when an occurrence's reminder goes out, the next one appears; an older open one becomes missed")
    func occurrencePasses() async throws {
        try await withFixture { fixture in
            try await fixture.apply(.addTask(weekdayStretch()))
            var clock = at("2026-11-24T07:00")
            for _ in 0..<2 {
                let claimed = try await fixture.store.claimDueDeliveries(now: clock, limit: 5, leaseUntil: clock.addingTimeInterval(60))
                    .filter { $0.delivery.kind == .reminder }
                #expect(claimed.count == 1)
                try await fixture.store.recordDeliveryResult(.sent(providerMessageID: "SM", body: "b"), deliveryID: claimed[0].delivery.id, now: clock)
                clock = clock.addingTimeInterval(86_400)
            }
            let all = try await fixture.store.tasks(userID: fixture.user.id, status: nil)
            #expect(all.map(\.status) == [.missed, .open, .open])
            #expect(all.map { local($0.dueAt) } == ["2026-11-24T07:00", "2026-11-25T07:00", "2026-11-26T07:00"])
        }
    }

    @Test("a bare done right after a reminder acts on it; later it asks which task")
    func lastReminded() async throws {
        try await withFixture { fixture in
            try await fixture.apply(.addTask(TaskDraft(title: "a", dueAt: at("2026-11-23T11:00"), remindAt: at("2026-11-23T11:00"), timeZoneID: CommandLanguageStoreTests.zone)))
            try await fixture.apply(.addTask(TaskDraft(title: "b", dueAt: at("2026-11-23T12:00"), remindAt: at("2026-11-23T12:00"), timeZoneID: CommandLanguageStoreTests.zone)))
            #expect(try await fixture.apply(.complete(.lastReminded)) == .noReminderContext)
            let sendTime = at("2026-11-23T12:00")
            let claimed = try await fixture.store.claimDueDeliveries(now: sendTime, limit: 5, leaseUntil: sendTime.addingTimeInterval(60))
                .filter { $0.delivery.kind == .reminder }
            for delivery in claimed {
                try await fixture.store.recordDeliveryResult(.sent(providerMessageID: "SM", body: "b"), deliveryID: delivery.delivery.id, now: sendTime)
            }
            guard case .snoozed(let snoozed, _) = try await fixture.apply(.snooze(.lastReminded, seconds: 1800, until: nil), at: sendTime.addingTimeInterval(60))
            else { Issue.record("expected snoozed"); return }
            #expect(snoozed.map(\.title) == ["b"])
            #expect(local(snoozed.first?.remindAt) == "2026-11-23T12:31")
            let later = sendTime.addingTimeInterval(2 * 3600)
            #expect(try await fixture.apply(.complete(.lastReminded), at: later) == .noReminderContext)
        }
    }

    @Test("Which one? is remembered and a bare number answers it")
    func ambiguousThenChoose() async throws {
        try await withFixture { fixture in
            try await fixture.apply(.addTask(TaskDraft(title: "buy milk", dueAt: nil, remindAt: nil, timeZoneID: CommandLanguageStoreTests.zone)))
            try await fixture.apply(.addTask(TaskDraft(title: "milk the cat", dueAt: nil, remindAt: nil, timeZoneID: CommandLanguageStoreTests.zone)))
            guard case .ambiguous(_, let matches) = try await fixture.apply(.complete(.query("milk"))) else {
                Issue.record("expected ambiguous"); return
            }
            #expect(matches.map(\.title) == ["buy milk", "milk the cat"])
            guard case .completed(let done, _, _) = try await fixture.apply(.choose(2)) else { Issue.record("expected completed"); return }
            #expect(done.map(\.title) == ["milk the cat"])
            #expect(try await fixture.apply(.choose(1)) == .noPendingQuestion)
        }
    }

    @Test("deleting a repeating task asks this one or all; 1 keeps the series, 2 ends it")
    func deleteScope() async throws {
        try await withFixture { fixture in
            try await fixture.apply(.addTask(weekdayStretch()))
            guard case .needsScope = try await fixture.apply(.delete(.numbers([1]), scope: nil)) else {
                Issue.record("expected a question"); return
            }
            try await fixture.apply(.choose(1))
            #expect(try await fixture.open().map { local($0.dueAt) } == ["2026-11-25T07:00"])
            try await fixture.apply(.delete(.numbers([1]), scope: nil))
            try await fixture.apply(.choose(2))
            #expect(try await fixture.open().isEmpty)
        }
    }

    @Test("move and rename replace the reminder and undo puts everything back")
    func moveRenameUndo() async throws {
        try await withFixture { fixture in
            try await fixture.apply(.addTask(TaskDraft(title: "call mom", dueAt: at("2026-11-24T09:00"), remindAt: at("2026-11-24T09:00"), timeZoneID: CommandLanguageStoreTests.zone)))
            try await fixture.apply(.move(.numbers([1]), dueAt: at("2026-11-27T15:00"), remindAt: at("2026-11-27T15:00")))
            let deliveries = try await fixture.store.reminderDeliveries(userID: fixture.user.id)
            #expect(deliveries.map(\.status) == [.canceled, .pending])
            #expect(local(deliveries.last?.dueAt) == "2026-11-27T15:00")
            try await fixture.apply(.undo)
            #expect(try await fixture.open().map { local($0.dueAt) } == ["2026-11-24T09:00"])
            #expect(try await fixture.store.reminderDeliveries(userID: fixture.user.id).filter { $0.status == .pending }.map { local($0.dueAt) } == ["2026-11-24T09:00"])
            guard case .renamed(let renamed) = try await fixture.apply(.rename(number: 1, title: "call Mom ❤️")) else {
                Issue.record("expected renamed"); return
            }
            #expect(renamed?.title == "call Mom ❤️")
            #expect(try await fixture.apply(.rename(number: 7, title: "x")) == .renamed(nil))
            try await fixture.apply(.undo)
            #expect(try await fixture.open().map(\.title) == ["call mom"])
        }
    }

    @Test("a new time zone keeps upcoming tasks' local times")
    func timeZoneChange() async throws {
        try await withFixture { fixture in
            try await fixture.apply(.addTask(TaskDraft(title: "call mom", dueAt: at("2026-11-24T09:00"), remindAt: at("2026-11-24T09:00"), timeZoneID: CommandLanguageStoreTests.zone)))
            guard case .settingsChanged(let user, let moved) = try await fixture.apply(.settings(.timeZone("America/Chicago"))) else {
                Issue.record("expected settings"); return
            }
            #expect(user.timeZoneID == "America/Chicago")
            #expect(moved == 1)
            let task = try #require(try await fixture.open().first)
            #expect(ZonedTime.local(task.dueAt!, in: TimeZone(identifier: "America/Chicago")!).description == "2026-11-24T09:00")
            let pending = try await fixture.store.reminderDeliveries(userID: fixture.user.id).filter { $0.status == .pending }
            #expect(pending.map(\.dueAt) == [task.dueAt!])
        }
    }

    @Test("settings are stored")
    func settings() async throws {
        try await withFixture { fixture in
            try await fixture.apply(.settings(.quiet(startMinutes: 22 * 60, endMinutes: 7 * 60)))
            try await fixture.apply(.settings(.morning(minutes: 7 * 60, enabled: true)))
            try await fixture.apply(.settings(.evening(minutes: nil, enabled: true)))
            guard case .settingsChanged(let user, _) = try await fixture.apply(.settings(.weekly(enabled: false))) else {
                Issue.record("expected settings"); return
            }
            #expect(user.settings == UserSettings(
                morningMinutes: 420, morningEnabled: true, eveningMinutes: 1080, motivationEnabled: true,
                weeklyEnabled: false, quietStartMinutes: 1320, quietEndMinutes: 420))
        }
    }

    @Test("lists page with more")
    func paging() async throws {
        try await withFixture { fixture in
            for index in 1...11 {
                try await fixture.apply(.addTask(TaskDraft(title: "task \(index)", dueAt: nil, remindAt: nil, timeZoneID: CommandLanguageStoreTests.zone)))
            }
            guard case .listed(let first, let total, 0, _) = try await fixture.apply(.list(ListQuery(view: "all"))) else {
                Issue.record("expected a list"); return
            }
            #expect(total == 11 && first.count == 8)
            guard case .listed(let second, _, 8, _) = try await fixture.apply(.listMore) else { Issue.record("expected page 2"); return }
            #expect(second.map(\.title) == ["task 9", "task 10", "task 11"])
        }
    }

    @Test("a series with COUNT stops after its last occurrence")
    func countEndsSeries() async throws {
        try await withFixture { fixture in
            var draft = weekdayStretch()
            draft.recurrence = Recurrence(rrule: "FREQ=DAILY;COUNT=2")
            try await fixture.apply(.addTask(draft))
            try await fixture.apply(.complete(.numbers([1])))
            guard case .completed(_, _, let next) = try await fixture.apply(.complete(.numbers([1]))) else {
                Issue.record("expected completed"); return
            }
            #expect(next.isEmpty)
            #expect(try await fixture.open().isEmpty)
        }
    }
}
