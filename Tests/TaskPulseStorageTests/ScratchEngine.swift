import GRDB
import Logging

@testable import TaskPulseStorage
import TaskPulseTestSupport

/// Opens a SQLite engine on a fresh file holding one table `t (x INTEGER PRIMARY KEY, payload BLOB)`,
/// runs `body` with it and the file's path, then shuts it down.
func withScratchEngine(
    logLimits: WALLimits = .standard, _ body: (SQLiteEngine, _ path: String) async throws -> Void
) async throws {
    try await TemporaryDatabase.with(engine: .sqlite) { database in
        let engine = try SQLiteEngine(path: database.url, logLimits: logLimits, logger: Logger(label: "test"))
        try await engine.pool.write { db in try db.execute(sql: "CREATE TABLE t (x INTEGER PRIMARY KEY, payload BLOB)") }
        try await body(engine, database.url)
        await engine.shutdown()
    }
}
