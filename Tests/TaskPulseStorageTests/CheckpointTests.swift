import Foundation
import GRDB
import Logging
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
}
