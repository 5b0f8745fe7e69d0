import Foundation
import GRDB
import Logging
import Synchronization
import Testing

@testable import TaskPulseStorage
import TaskPulseTestSupport

/// Counts the commits and rollbacks of the connection it observes.
final class CommitCounter: TransactionObserver, Sendable {
    let commits = Atomic<Int>(0)
    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { true }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseDidCommit(_ db: Database) { commits.add(1, ordering: .relaxed) }
    func databaseDidRollback(_ db: Database) {}
}

/// Write transactions that arrive together share one COMMIT (one flush to disk), and each still
/// behaves as a transaction of its own.
@Suite("SQLite group commit")
struct GroupCommitTests {
    func withEngine(_ body: (SQLiteEngine) async throws -> Void) async throws {
        try await withScratchEngine { engine, _ in try await body(engine) }
    }

    /// Starts a write that holds the writer until `release` is signalled, and waits until it does.
    func holdWriter(_ engine: SQLiteEngine, release: DispatchSemaphore) async -> Task<Void, any Error> {
        let holding = DispatchSemaphore(value: 0)
        let first = Task {
            try await engine.groupCommit.write { db in
                holding.signal()
                release.wait()
                try db.execute(sql: "INSERT INTO t (x) VALUES (1000)")
            }
        }
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { holding.wait(); continuation.resume() }
        }
        return first
    }

    /// Waits (at most 10 s) until `count` writes are queued.
    func waitUntilQueued(_ engine: SQLiteEngine, _ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while engine.groupCommit.waitingCount < count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(engine.groupCommit.waitingCount == count)
    }

    @Test("40 writes queued behind a busy writer go into one transaction; one that throws loses only its own rows")
    func queuedWritesShareOneCommit() async throws {
        try await withEngine { engine in
            let counter = CommitCounter()
            try await engine.pool.writeWithoutTransaction { db in db.add(transactionObserver: counter, extent: .observerLifetime) }
            // The first write holds the writer until the others are waiting.
            let release = DispatchSemaphore(value: 0)
            let first = await holdWriter(engine, release: release)
            struct Refused: Error {}
            let writes = (0..<40).map { index in
                Task { () -> Bool in
                    do {
                        try await engine.groupCommit.write { db in
                            try db.execute(sql: "INSERT INTO t (x) VALUES (?)", arguments: [index])
                            if index == 7 { throw Refused() }
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            try await waitUntilQueued(engine, 40)
            let commitsBefore = counter.commits.load(ordering: .relaxed)
            release.signal()
            try await first.value
            var succeeded: [Int] = []
            for (index, write) in writes.enumerated() where await write.value { succeeded.append(index) }
            #expect(succeeded == Array(0..<40).filter { $0 != 7 })
            // The held write's own commit, then one for all 40.
            #expect(counter.commits.load(ordering: .relaxed) - commitsBefore == 2)
            let stored = try await engine.pool.read { db in try Int.fetchAll(db, sql: "SELECT x FROM t ORDER BY x") }
            #expect(stored == succeeded + [1000])
        }
    }

    @Test("a write alone is committed at once, and a later one starts a new group")
    func loneWrites() async throws {
        try await withEngine { engine in
            for index in 0..<3 {
                try await engine.groupCommit.write { db in try db.execute(sql: "INSERT INTO t (x) VALUES (?)", arguments: [index]) }
                let count = try await engine.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM t") }
                #expect(count == index + 1)
            }
            #expect(engine.groupCommit.waitingCount == 0)
        }
    }

    @Test("when the database fills up mid-group, exactly the writes that are stored were answered with success")
    func fullDatabase() async throws {
        try await withEngine { engine in
            // A database that cannot grow past its current size plus a few pages: SQLITE_FULL, as on a full disk.
            try await engine.pool.writeWithoutTransaction { db in
                let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(pages + 8)")
            }
            // All 60 wait behind a held write, so they go in as one group that outgrows the file.
            let release = DispatchSemaphore(value: 0)
            let first = await holdWriter(engine, release: release)
            let writes = (0..<60).map { index in
                Task { () -> Bool in
                    do {
                        try await engine.groupCommit.write { db in
                            try db.execute(
                                sql: "INSERT INTO t (x, payload) VALUES (?, zeroblob(2000))", arguments: [index])
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            try await waitUntilQueued(engine, 60)
            release.signal()
            try await first.value
            var succeeded: Set<Int> = [1000]
            for (index, write) in writes.enumerated() where await write.value { succeeded.insert(index) }
            let stored = Set(try await engine.pool.read { db in try Int.fetchAll(db, sql: "SELECT x FROM t") })
            #expect(stored == succeeded)
            #expect(succeeded.count < 61)
            // Room again: writes go through.
            try await engine.pool.writeWithoutTransaction { db in _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = 1073741823") }
            try await engine.groupCommit.write { db in try db.execute(sql: "INSERT INTO t (x) VALUES (100)") }
        }
    }

    @Test("when the whole transaction is rolled back mid-group, every write of the group hears an error and none is stored")
    func groupRolledBack() async throws {
        try await withEngine { engine in
            let release = DispatchSemaphore(value: 0)
            let first = await holdWriter(engine, release: release)
            let writes = (0..<5).map { index in
                Task { () -> Bool in
                    do {
                        try await engine.groupCommit.write { db in
                            try db.execute(sql: "INSERT INTO t (x) VALUES (?)", arguments: [index])
                            // As SQLite does on SQLITE_FULL or SQLITE_IOERR: the whole transaction is gone.
                            if index == 3 { try db.execute(sql: "ROLLBACK") }
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            try await waitUntilQueued(engine, 5)
            release.signal()
            try await first.value
            for write in writes { #expect(await write.value == false) }
            let stored = try await engine.pool.read { db in try Int.fetchAll(db, sql: "SELECT x FROM t ORDER BY x") }
            #expect(stored == [1000])
            try await engine.groupCommit.write { db in try db.execute(sql: "INSERT INTO t (x) VALUES (7)") }
        }
    }

    @Test("a group of writes that all defer the flush commits with synchronous NORMAL; one flushed write makes its group FULL")
    func deferredFlushGroups() async throws {
        try await withEngine { engine in
            let level: @Sendable (Database) throws -> Int = { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
            #expect(try await engine.groupCommit.write(durability: .deferredFlush, level) == 1)
            #expect(try await engine.groupCommit.write(level) == 2)
            for durabilities: [CommitDurability] in [[.deferredFlush, .deferredFlush, .deferredFlush], [.deferredFlush, .flushed, .deferredFlush]] {
                let release = DispatchSemaphore(value: 0)
                let first = await holdWriter(engine, release: release)
                let writes = durabilities.map { durability in
                    Task { try await engine.groupCommit.write(durability: durability, level) }
                }
                try await waitUntilQueued(engine, durabilities.count)
                release.signal()
                try await first.value
                let expected = durabilities.contains(.flushed) ? 2 : 1
                for write in writes { #expect(try await write.value == expected) }
                try await engine.groupCommit.write { db in try db.execute(sql: "DELETE FROM t") }
            }
            // The level set for a deferred group does not leak into the next flushed one.
            #expect(try await engine.groupCommit.write(durability: .deferredFlush, level) == 1)
            #expect(try await engine.groupCommit.write(level) == 2)
            try await engine.groupCommit.write(durability: .deferredFlush) { db in try db.execute(sql: "INSERT INTO t (x) VALUES (1)") }
            #expect(try await engine.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM t WHERE x = 1") } == 1)
        }
    }
}
