import Foundation
import GRDB
import Logging
import Synchronization
import Testing

import TaskPulseDomain
@testable import TaskPulseStorage
import TaskPulseTestSupport
import TaskPulseTiming

/// SQLite's automatic checkpoint is off (it ran inside whichever commit crossed 1,000 pages, making that
/// webhook wait for an fsync); the engine's own checkpointer must still move the log into the file.
@Suite("The SQLite checkpointer")
struct CheckpointTests {
    @Test("committed rows reach the database file itself, not only the write-ahead log")
    func rowsReachTheFile() async throws {
        try await TemporaryDatabase.with(engine: .sqlite) { database in
            let store = try await database.openStore()
            let phone = Phone("+15555550123")!
            _ = try await store.ensureUser(phone: phone, timeZoneID: "UTC", now: Date())
            // A copy of the main file alone (no -wal beside it) holds only what was checkpointed.
            let copy = database.url + ".copy"
            defer { try? FileManager.default.removeItem(atPath: copy) }
            var found = false
            for _ in 0..<50 where !found {
                try await Task.sleep(for: .milliseconds(100))
                try? FileManager.default.removeItem(atPath: copy)
                try FileManager.default.copyItem(atPath: database.url, toPath: copy)
                let snapshot = try SQLTaskStore.sqlite(path: copy, calculator: OccurrenceCalculator(), logger: Logger(label: "test"))
                // Before the first checkpoint even the schema is only in the log.
                found = ((try? await snapshot.user(phone: phone)) ?? nil) != nil
                await snapshot.shutdown()
                for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: copy + suffix) }
            }
            #expect(found)
        }
    }

    @Test("the writer flushes every commit to disk (synchronous FULL; GRDB's WAL set-up leaves NORMAL)")
    func commitsAreFlushed() async throws {
        try await TemporaryDatabase.with(engine: .sqlite) { database in
            let engine = try SQLiteEngine(path: database.url, logger: Logger(label: "test"))
            let mode = try await engine.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
            #expect(mode == 2)
            await engine.shutdown()
        }
    }

    @Test("a new database gets 1 KiB pages (less to flush per text); an existing one keeps its own")
    func pageSize() async throws {
        try await TemporaryDatabase.with(engine: .sqlite) { database in
            let engine = try SQLiteEngine(path: database.url, logger: Logger(label: "test"))
            try await engine.migrate()
            #expect(try await engine.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") } == 1024)
            await engine.shutdown()
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tp-pages-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("old.sqlite").path
        let old = try DatabaseQueue(path: path)
        try await old.write { db in try db.execute(sql: "CREATE TABLE kept (x)") }
        try old.close()
        let engine = try SQLiteEngine(path: path, logger: Logger(label: "test"))
        #expect(try await engine.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") } == 4096)
        await engine.shutdown()
    }
    @Test("the checkpointer asks for a restart once the log passes its limit, and again only after its retry time")
    func checkpointerAsksForRestart() async throws {
        try await withScratchEngine { engine, path in
            let asked = Atomic<Int>(0)
            let limits = WALLimits(restartFrames: 50, fileBytes: 64 << 10, interval: .milliseconds(10), retry: .seconds(3600))
            let checkpointer = try WALCheckpointer(path: path, limits: limits, logger: Logger(label: "test")) {
                asked.add(1, ordering: .relaxed)
            }
            // A reader holds the log, so the checkpoint cannot restart it and the log stays long.
            try await engine.pool.read { db in
                _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM t")
                try engine.pool.writeWithoutTransaction { db in
                    for _ in 0..<100 { try db.execute(sql: "INSERT INTO t (payload) VALUES (randomblob(2000))") }
                }
                for _ in 0..<200 where asked.load(ordering: .relaxed) == 0 { Thread.sleep(forTimeInterval: 0.01) }
                Thread.sleep(forTimeInterval: 0.1)
            }
            await checkpointer.stop()
            #expect(asked.load(ordering: .relaxed) == 1)
        }
    }

    @Test("after a burst of writes, a log larger than its limit is emptied while nobody writes")
    func idleLogIsEmptied() async throws {
        let limits = WALLimits(restartFrames: .max, fileBytes: 64 << 10, interval: .milliseconds(10), retry: .seconds(3600))
        try await withScratchEngine(logLimits: limits) { engine, path in
            try await engine.pool.write { db in
                for _ in 0..<500 { try db.execute(sql: "INSERT INTO t (payload) VALUES (randomblob(2000))") }
            }
            func logSize() -> Int {
                ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int) ?? 0
            }
            // ~1.5 MB was logged. No further write comes: without the checkpointer emptying it, the file
            // would keep that size until one came.
            for _ in 0..<200 where logSize() > limits.fileBytes { try await Task.sleep(for: .milliseconds(10)) }
            #expect(logSize() <= limits.fileBytes)
            #expect(try await engine.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM t") } == 500)
        }
    }

    @Test("asked to restart the log, the writer copies it between two groups and the next group starts it over")
    func writerRestartsTheLog() async throws {
        // The engine's own checkpointer stays out of the way: here the test asks for the restarts.
        let limits = WALLimits(restartFrames: .max, fileBytes: 256 << 10, interval: .seconds(3600), retry: .seconds(3600))
        try await withScratchEngine(logLimits: limits) { engine, path in
            // Sixteen writers that never pause, and a reader now and then: a group is always waiting, so the
            // log never finds the moment to restart by itself (~7 MB is written; the log file ends at
            // ~5.7 MB when nobody asks for a restart).
            let writing = WritingFlag()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while writing.value.load(ordering: .relaxed) {
                        _ = try await engine.pool.read { db in try Int.fetchOne(db, sql: "SELECT max(x) FROM t") }
                        try await Task.sleep(for: .milliseconds(1))
                    }
                }
                try await withThrowingTaskGroup(of: Void.self) { writers in
                    for writer in 0..<16 {
                        writers.addTask {
                            for row in 0..<150 {
                                try await engine.groupCommit.write { db in
                                    try db.execute(sql: "INSERT INTO t (payload) VALUES (randomblob(2000))")
                                }
                                if writer == 0, row % 10 == 0 { engine.groupCommit.requestLogRestart() }
                            }
                        }
                    }
                    try await writers.waitForAll()
                }
                writing.value.store(false, ordering: .relaxed)
                try await group.waitForAll()
            }
            let log = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0
            #expect(log <= 1 << 20, "the log file is \(log) bytes")
            #expect(try await engine.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA journal_size_limit") } == 256 << 10)
            #expect(try await engine.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM t") } == 2400)
        }
    }
}

/// Whether the writers of a test are still at work.
private final class WritingFlag: Sendable {
    let value = Atomic<Bool>(true)
}
