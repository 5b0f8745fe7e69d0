import Foundation
import Logging
import Synchronization
import Testing

import TaskPulseDomain
@testable import TaskPulseStorage
import TaskPulseTestSupport
import TaskPulseTiming

/// A text that only reads (list, help) is answered without waiting for its record to be flushed; every
/// text that changes something still waits (runs on SQLite, and on PostgreSQL in the conformance run).
@Suite("texts that only read do not wait for the flush")
struct DeferredFlushTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)
    let phone = Phone("+15555550177")!

    func withStore(_ body: (SQLTaskStore, RecordingEngine, User) async throws -> Void) async throws {
        try await TemporaryDatabase.with { database in
            let opened = try await database.openStore()
            let recording = RecordingEngine(base: opened.engine)
            let store = SQLTaskStore(engine: recording, calculator: OccurrenceCalculator(), logger: Logger(label: "test"))
            let user = try await store.ensureUser(phone: phone, timeZoneID: "America/New_York", now: now)
            _ = recording.take()
            try await body(store, recording, user)
        }
    }

    @discardableResult
    func text(_ store: SQLTaskStore, _ user: User, _ change: TaskChange, sid: String) async throws -> InboundResult {
        try await store.handleInbound(
            InboundMessage(messageSid: sid, body: "text", receivedAt: now), userID: user.id, change: change, now: now
        ) { _, _ in "reply to \(sid)" }
    }

    @Test("the engine commits a deferred write without waiting for the flush, and a flushed one with it")
    func engineLevels() async throws {
        try await TemporaryDatabase.with { database in
            let store = try await database.openStore()
            let level: @Sendable (SQLDatabase) throws -> String = { db in
                switch db.dialect {
                case .sqlite: String(try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1)
                case .postgres: try String.fetchOne(db, sql: "SHOW synchronous_commit") ?? "?"
                }
            }
            let deferred = try await store.engine.write(isolation: .readCommitted, durability: .deferredFlush, level)
            let flushed = try await store.engine.write(isolation: .readCommitted, durability: .flushed, level)
            switch store.engine.dialect {
            case .sqlite:
                #expect(deferred == "1")  // NORMAL
                #expect(flushed == "2")  // FULL
            case .postgres:
                // A flushed transaction keeps the server's own setting (`scripts/test` leaves it on).
                let serverSetting = try await store.engine.read { db in try String.fetchOne(db, sql: "SHOW synchronous_commit") }
                #expect(deferred == "off")
                #expect(flushed == serverSetting)
            }
        }
    }

    @Test("list and help defer the flush, add and done wait for it; the list's record is kept")
    func onlyReadsDefer() async throws {
        try await withStore { store, recording, user in
            // The first text writes the person's digest schedule: a change, so it waits.
            try await text(store, user, .addTask(TaskDraft(title: "call mom", dueAt: now.addingTimeInterval(3600),
                remindAt: now.addingTimeInterval(3600), timeZoneID: "America/New_York")), sid: "SMadd")
            try await text(store, user, .list(ListQuery(view: "all")), sid: "SMlist")
            try await text(store, user, .none, sid: "SMhelp")
            try await text(store, user, .complete(.numbers([1])), sid: "SMdone")
            #expect(recording.take() == [.flushed, .deferredFlush, .deferredFlush, .flushed])
            let retried = try await text(store, user, .list(ListQuery(view: "all")), sid: "SMlist")
            #expect(retried.isDuplicate)
            #expect(retried.reply == "reply to SMlist")
        }
    }

    @Test("a list that has to clear the number's invalid mark is applied again, flushed, and recorded once")
    func invalidMarkEscalates() async throws {
        try await withStore { store, recording, user in
            try await text(store, user, .none, sid: "SMfirst")
            try await store.write { db in
                try db.execute(sql: "UPDATE users SET number_invalid_at = ? WHERE id = ?", arguments: [1.0, user.id.rawValue])
            }
            _ = recording.take()
            try await text(store, user, .list(ListQuery(view: "all")), sid: "SMlist")
            #expect(recording.take() == [.deferredFlush, .flushed])
            #expect(try await store.user(phone: phone)?.numberInvalidAt == nil)
            let records = try await store.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM inbound_messages WHERE message_sid = 'SMlist'")
            }
            #expect(records == 1)
        }
    }

    @Test("a person's first text, even a list, writes their digest schedule and so waits for the flush")
    func missingDigestsEscalate() async throws {
        try await withStore { store, recording, user in
            try await text(store, user, .list(ListQuery(view: "all")), sid: "SMlist")
            #expect(recording.take() == [.deferredFlush, .flushed])
            let digests = try await store.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM deliveries WHERE user_id = ? AND kind = 'agenda'",
                    arguments: [user.id.rawValue])
            }
            #expect(digests == 1)
        }
    }
}
