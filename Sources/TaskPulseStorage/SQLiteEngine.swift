import Foundation
import GRDB
import Logging

/// The embedded default: one SQLite file in WAL mode through GRDB (DESIGN §5).
///
/// GRDB serialises writes, so each write transaction runs after the previous one; concurrent webhooks for
/// a new number therefore create one person, and claims need no row locks.
struct SQLiteEngine: StoreEngine {
    let pool: DatabasePool
    var dialect: SQLDialect { .sqlite }
    var isShared: Bool { false }

    /// Opens (creating if needed) the database at `path`.
    /// - Throws: ``StoreError/unavailable(_:)`` when the file cannot be opened.
    init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            // WAL with NORMAL sync: durable against process crashes (kill -9), which is our contract;
            // a power cut may lose the last transactions, as SQLite documents.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        do {
            self.pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError.unavailable("cannot open SQLite database at \(path): \(error)")
        }
    }

    func migrate() async throws {
        do {
            try SQLiteSchema.migrator.migrate(pool)
        } catch let error as DatabaseError {
            throw Self.translate(error)
        }
    }

    func write<T: Sendable>(
        isolation: TransactionIsolation, _ body: @escaping @Sendable (SQLDatabase) throws -> T
    ) async throws -> T {
        do {
            return try await pool.write { db in try body(SQLDatabase(executor: GRDBExecutor(db: db), dialect: .sqlite)) }
        } catch let error as DatabaseError {
            throw Self.translate(error)
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (SQLDatabase) throws -> T) async throws -> T {
        do {
            return try await pool.read { db in try body(SQLDatabase(executor: GRDBExecutor(db: db), dialect: .sqlite)) }
        } catch let error as DatabaseError {
            throw Self.translate(error)
        }
    }

    func shutdown() async {}

    /// SQLite's "cannot write now" errors become ``StoreError/unavailable(_:)`` (the webhook answers 503).
    static func translate(_ error: DatabaseError) -> any Error {
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_READONLY, .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CANTOPEN,
            .SQLITE_PERM:
            return StoreError.unavailable("SQLite: \(error.resultCode) \(error.message ?? "")")
        default:
            return error
        }
    }
}

/// Runs the store's statements on a GRDB connection inside its transaction.
private struct GRDBExecutor: SQLExecutor {
    let db: Database

    func execute(sql: String, arguments: SQLArguments) throws -> Int {
        try db.execute(sql: sql, arguments: Self.statementArguments(arguments))
        return db.changesCount
    }

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        // A cursor's row is only valid while iterating: copy its values at once; every row shares one
        // array of column names.
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: Self.statementArguments(arguments))
        var names: [String]?
        var rows: [SQLRow] = []
        while let row = try cursor.next() {
            let columns = names ?? Array(row.columnNames)
            names = columns
            rows.append(SQLRow(names: columns, values: row.databaseValues.map(Self.value)))
        }
        return rows
    }

    private static func statementArguments(_ arguments: SQLArguments) -> StatementArguments {
        StatementArguments(
            arguments.values.map { value -> DatabaseValue in
                switch value {
                case .null: .null
                case .integer(let integer): integer.databaseValue
                case .real(let real): real.databaseValue
                case .text(let text): text.databaseValue
                }
            })
    }

    private static func value(_ value: DatabaseValue) -> SQLValue {
        switch value.storage {
        case .null: .null
        case .int64(let integer): .integer(integer)
        case .double(let real): .real(real)
        case .string(let text): .text(text)
        case .blob(let data): .text(String(decoding: data, as: UTF8.self))
        }
    }
}

/// Seconds since 1970 as stored in `*_at` columns (REAL / DOUBLE PRECISION), and back.
extension Date {
    var storageValue: Double { timeIntervalSince1970 }
    init(storageValue: Double) { self.init(timeIntervalSince1970: storageValue) }
}
