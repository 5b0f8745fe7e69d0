import Foundation
import GRDB
import Logging
import Testing

@testable import TaskPulseStorage
import TaskPulseTestSupport

/// Read-only statements are stepped straight through SQLite's C API (``SQLiteRows``): values, empty
/// text versus NULL, and reuse of the cached statement must come out as GRDB's cursor gave them.
@Suite("reading rows straight from SQLite")
struct SQLiteRowsTests {
    @Test("every value type round-trips; empty text stays text; a cached statement runs again with new arguments")
    func values() async throws {
        try await TemporaryDatabase.with(engine: .sqlite) { database in
            let engine = try SQLiteEngine(path: database.url, logger: Logger(label: "test"))
            try await engine.write(isolation: .serializable, durability: .flushed) { db in
                try db.execute(sql: "CREATE TABLE v (id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT)")
                try db.execute(sql: "INSERT INTO v (id, i, r, t) VALUES (1, -9007199254740993, 2.5, 'héllo ✓')")
                try db.execute(sql: "INSERT INTO v (id, i, r, t) VALUES (2, NULL, NULL, '')")
                try db.execute(sql: "INSERT INTO v (id, i, r, t) VALUES (3, 0, 0, NULL)")
            }
            let rows = try await engine.read { db in
                try [1, 2, 3].flatMap { id in
                    try SQLRow.fetchAll(db, sql: "SELECT i, r, t FROM v WHERE id = ?", arguments: [id])
                }
            }
            #expect(rows.map { $0.value("i") } == [.integer(-9_007_199_254_740_993), .null, .integer(0)])
            #expect(rows.map { $0.value("r") } == [.real(2.5), .null, .real(0)])
            #expect(rows.map { $0.value("t") } == [.text("héllo ✓"), .text(""), .null])
            // Text arguments bind as text (empty is not NULL), NULL as NULL.
            let matches = try await engine.read { db in
                (
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM v WHERE t = ?", arguments: [""]),
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM v WHERE t IS ?", arguments: [String?.none]),
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM v WHERE t = ?", arguments: ["héllo ✓"])
                )
            }
            #expect(matches.0 == 1)
            #expect(matches.1 == 1)
            #expect(matches.2 == 1)
            await engine.shutdown()
        }
    }

    @Test("the wrong number of arguments is an error, not a silent NULL")
    func argumentCount() async throws {
        try await TemporaryDatabase.with(engine: .sqlite) { database in
            let engine = try SQLiteEngine(path: database.url, logger: Logger(label: "test"))
            await #expect(throws: DatabaseError.self) {
                try await engine.read { db in try SQLRow.fetchAll(db, sql: "SELECT ? + ?", arguments: [1]) }
            }
            let sum = try await engine.read { db in try Int.fetchOne(db, sql: "SELECT ? + ?", arguments: [1, 2]) }
            #expect(sum == 3)
            await engine.shutdown()
        }
    }
}
