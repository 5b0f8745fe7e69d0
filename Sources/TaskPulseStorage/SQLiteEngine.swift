import Foundation
import GRDB
import Logging

/// The embedded default: one SQLite file in WAL mode through GRDB (DESIGN §5).
///
/// GRDB serialises writes, so each write transaction runs after the previous one; concurrent webhooks for
/// a new number therefore create one person, and claims need no row locks.
struct SQLiteEngine: StoreEngine {
    let pool: DatabasePool
    let checkpointer: WALCheckpointer
    /// Every write transaction goes through it: a burst of texts shares one commit and one flush.
    let groupCommit: SQLiteGroupCommit
    var dialect: SQLDialect { .sqlite }
    /// The page size of databases this engine creates.
    static let pageSize = 1024
    var isShared: Bool { false }

    /// Opens (creating if needed) the database at `path`.
    /// - Throws: ``StoreError/unavailable(_:)`` when the file cannot be opened.
    init(path: String, logLimits: WALLimits = .standard, logger: Logger) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            // When the log restarts, its file is cut back to this size (SQLite leaves it as large as it grew).
            try db.execute(sql: "PRAGMA journal_size_limit = \(logLimits.fileBytes)")
            // Checkpoints (which fsync the database file) run beside the writer, not inside the commit
            // that happens to cross 1,000 pages: that commit's webhook used to wait for the disk.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            // A new database gets 1 KiB pages (a no-op on an existing one): a text touches ~5 scattered
            // pages (its MessageSid's index leaf, the outbox's indexes...) and each is written whole to
            // the log and flushed before the 200, so smaller pages mean less to flush per commit. At
            // 2,000 texts/s, p99 fell from 8-11 ms to 5.5-6.4 ms (4 KiB: 2,650 req/s saturated, 1 KiB:
            // 2,920; 512 B and 2 KiB were slower; docs/BENCHMARKS.md).
            try db.execute(sql: "PRAGMA page_size = \(SQLiteEngine.pageSize)")
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            // WAL with FULL sync on the one writer: each commit reaches the disk before the webhook
            // answers 200, so Twilio never drops a text we lost. GRDB sets NORMAL when it turns WAL on
            // (after prepareDatabase), which survives kill -9 but not the kernel: texts acknowledged
            // before a disk error turned the filesystem read-only were gone after it
            // (scripts/chaos/disk_faults.py). The cost is one WAL flush per commit.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            self.pool = pool
            let groupCommit = SQLiteGroupCommit(pool: pool, logger: logger)
            self.groupCommit = groupCommit
            self.checkpointer = try WALCheckpointer(
                path: path, limits: logLimits, logger: logger, logTooLong: { groupCommit.requestLogRestart() })
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
        isolation: TransactionIsolation, durability: CommitDurability,
        _ body: @escaping @Sendable (SQLDatabase) throws -> T
    ) async throws -> T {
        do {
            return try await groupCommit.write(durability: durability) { db in try body(SQLDatabase(executor: GRDBExecutor(db: db), dialect: .sqlite)) }
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

    func shutdown() async {
        await checkpointer.stop()
    }

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
        if Self.isSingleStatement(sql) {
            try db.cachedStatement(sql: sql).execute(arguments: Self.statementArguments(arguments))
        } else {
            try db.execute(sql: sql, arguments: Self.statementArguments(arguments))
        }
        return db.changesCount
    }

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        // Compiled statements are cached per connection: compiling (parser, GRDB's authorizer and
        // region tracking) was a third of a webhook's CPU time before (docs/BENCHMARKS.md).
        let statement = try db.cachedStatement(sql: sql)
        let names = statement.columnNames
        if statement.isReadonly {
            return try SQLiteRows.fetchAll(statement, arguments: arguments, names: names, connection: db.sqliteConnection)
        }
        let cursor = try Row.fetchCursor(statement, arguments: Self.statementArguments(arguments))
        // A cursor's row is only valid while iterating: copy its values at once; every row shares one
        // array of column names.
        var rows: [SQLRow] = []
        while let row = try cursor.next() {
            rows.append(SQLRow(names: names, values: row.databaseValues.map(Self.value)))
        }
        return rows
    }

    /// Whether `sql` holds one statement (a trailing semicolon allowed): only those are cached.
    private static func isSingleStatement(_ sql: String) -> Bool {
        // On the bytes themselves (native strings are contiguous): walking String.UTF8View showed in profiles.
        func check(_ bytes: some Collection<UInt8>) -> Bool {
            guard let semicolon = bytes.firstIndex(of: UInt8(ascii: ";")) else { return true }
            return bytes[bytes.index(after: semicolon)...].allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D }
        }
        return sql.utf8.withContiguousStorageIfAvailable { check($0) } ?? check(sql.utf8)
    }

    private static func statementArguments(_ arguments: SQLArguments) -> StatementArguments {
        // The existential initializer: GRDB's generic one maps through a key path that is instantiated at
        // run time on every call (5% of a webhook's CPU time).
        StatementArguments(
            arguments.values.map { value -> (any DatabaseValueConvertible)? in
                switch value {
                case .null: nil
                case .integer(let integer): integer
                case .real(let real): real
                case .text(let text): text
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
