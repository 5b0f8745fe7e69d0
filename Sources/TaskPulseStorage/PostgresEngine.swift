import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// PostgreSQL for a cluster of nodes (DESIGN §5), through PostgresNIO's connection pool.
///
/// The store's logic is synchronous SQL written once for both engines, so each transaction runs on a
/// thread of its own pool (as many threads as connections) and waits there for each statement; the
/// event loops and the cooperative pool never block. A person's changes run READ COMMITTED behind that
/// person's advisory lock (``SQLTaskStore/writeAsPerson(_:_:)``), claims READ COMMITTED with
/// `FOR UPDATE SKIP LOCKED`, other writes SERIALIZABLE, reads on a snapshot. A transaction that loses a
/// conflict (40001, 40P01, or a unique key another transaction took) runs again from the start.
final class PostgresEngine: StoreEngine {
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let threads: NIOThreadPool
    private let logger: Logger
    private let settings: PostgresSettings

    var dialect: SQLDialect { .postgres }
    var isShared: Bool { true }

    /// How many times a transaction that lost a conflict is tried before the error reaches the caller.
    static let maximumAttempts = 20
    /// A unique key a concurrent transaction took is seen by the next attempt; one that keeps failing is
    /// a real duplicate, reported after this many.
    static let maximumUniqueKeyAttempts = 3

    init(settings: PostgresSettings, logger: Logger) throws {
        let tls: PostgresClient.Configuration.TLS =
            switch settings.tls {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        var configuration = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password,
            database: settings.database, tls: tls)
        configuration.options.maximumConnections = settings.poolSize
        configuration.options.connectTimeout = .seconds(5)
        if let searchPath = settings.searchPath {
            configuration.options.additionalStartupParameters = [("search_path", searchPath)]
        }
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.runner = Task { await client.run() }
        self.threads = NIOThreadPool(numberOfThreads: settings.poolSize)
        self.threads.start()
        self.logger = logger
        self.settings = settings
    }

    func write<T: Sendable>(
        isolation: TransactionIsolation, durability: CommitDurability,
        _ body: @escaping @Sendable (SQLDatabase) throws -> T
    ) async throws -> T {
        let begin =
            switch isolation {
            case .serializable: "BEGIN ISOLATION LEVEL SERIALIZABLE"
            case .readCommitted: "BEGIN ISOLATION LEVEL READ COMMITTED"
            }
        guard durability == .deferredFlush else { return try await transaction(begin: begin, body) }
        return try await transaction(begin: begin) { db in
            // This transaction's COMMIT returns before the server flushes its WAL record.
            try db.execute(sql: "SET LOCAL synchronous_commit = off")
            return try body(db)
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (SQLDatabase) throws -> T) async throws -> T {
        // A snapshot, as a SQLite read is; read-only snapshots never fail to serialise.
        try await transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    func migrate() async throws {
        let searchPath = settings.searchPath
        try await transaction(begin: "BEGIN ISOLATION LEVEL READ COMMITTED") { db in
            try db.execute(sql: "SELECT pg_advisory_xact_lock(?)", arguments: [PostgresSchema.migrationLockKey])
            if let schema = searchPath {
                // The URL's search_path names the schema to live in (validated: letters, digits, _).
                try db.execute(sql: "CREATE SCHEMA IF NOT EXISTS \(schema)")
            }
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)
                    """)
            let applied = Set(try String.fetchAll(db, sql: "SELECT id FROM schema_migrations"))
            for migration in PostgresSchema.migrations where !applied.contains(migration.id) {
                try db.execute(sql: migration.sql)
                try db.execute(
                    sql: "INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)",
                    arguments: [migration.id, Date().timeIntervalSince1970])
            }
        }
    }

    func shutdown() async {
        runner.cancel()
        _ = await runner.result
        try? await threads.shutdownGracefully()
    }

    /// Runs `body` between `begin` and COMMIT on one pooled connection, again when it loses a conflict.
    ///
    /// The first attempt is optimistic. PostgreSQL's serializable checks also fail transactions that only
    /// touched neighbouring rows (its predicate locks cover index pages, and whole tables while they are
    /// small), so a retry queues behind the other retries on a session advisory lock, taken before its
    /// snapshot: under heavy contention the cluster falls back to one writer at a time, as SQLite is.
    private func transaction<T: Sendable>(
        begin: String, _ body: @escaping @Sendable (SQLDatabase) throws -> T
    ) async throws -> T {
        var attempt = 1
        while true {
            let queued = attempt > 1
            do {
                return try await client.withConnection { connection in
                    try await self.threads.runIfActive {
                        let executor = PostgresExecutor(connection: connection, logger: self.logger)
                        if queued {
                            try executor.execute(
                                sql: "SELECT pg_advisory_lock(?)", arguments: [PostgresSchema.retryQueueLockKey])
                        }
                        defer {
                            // A connection still holding the queue lock would stall every retry: close it
                            // (the server then drops the lock) rather than hand it back to the pool.
                            if queued, (try? executor.execute(
                                sql: "SELECT pg_advisory_unlock(?)", arguments: [PostgresSchema.retryQueueLockKey])) == nil
                            {
                                executor.close()
                            }
                        }
                        do {
                            try executor.execute(sql: begin, arguments: [])
                            let result = try body(SQLDatabase(executor: executor, dialect: .postgres))
                            try executor.execute(sql: "COMMIT", arguments: [])
                            return result
                        } catch {
                            // A connection left inside a transaction must not go back to the pool.
                            if (try? executor.execute(sql: "ROLLBACK", arguments: [])) == nil { executor.close() }
                            throw error
                        }
                    }
                }
            } catch let error as PSQLError {
                let limit = Self.sqlState(error) == "23505" ? Self.maximumUniqueKeyAttempts : Self.maximumAttempts
                guard Self.isConflict(error), attempt < limit else { throw Self.translate(error) }
                attempt += 1
                // A short random pause, so the transactions that collided do not collide again.
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 * attempt))))
            }
        }
    }

    private static func sqlState(_ error: PSQLError) -> String? {
        error.serverInfo?[.sqlState]
    }

    /// A serialization failure, a deadlock, or a unique key taken by a concurrent transaction: trying the
    /// whole transaction again sees the other one's rows and takes the path SQLite would have taken.
    static func isConflict(_ error: PSQLError) -> Bool {
        switch sqlState(error) {
        case "40001", "40P01", "23505": true
        default: false
        }
    }

    /// Errors that mean "the database cannot take this now" become ``StoreError/unavailable(_:)`` (503);
    /// anything else (a bug in a statement) is rethrown as it is.
    static func translate(_ error: PSQLError) -> any Error {
        guard let state = sqlState(error) else {
            return StoreError.unavailable("PostgreSQL: \(error.code)")
        }
        let message = error.serverInfo?[.message] ?? ""
        // 08 connection, 53 insufficient resources (disk full), 57 operator intervention (shutdown),
        // 25006 read-only transaction (a standby), 40 a conflict that kept losing.
        if ["08", "53", "57", "40"].contains(String(state.prefix(2))) || state == "25006" {
            return StoreError.unavailable("PostgreSQL \(state): \(message)")
        }
        return PostgresStatementError(
            sqlState: state, message: message, detail: error.serverInfo?[.detail], statement: error.query?.sql)
    }
}

/// A statement PostgreSQL refused (a bug, not an outage): what it said and which statement, never the values.
struct PostgresStatementError: Error, CustomStringConvertible {
    var sqlState: String
    var message: String
    var detail: String?
    var statement: String?

    var description: String {
        "PostgreSQL \(sqlState): \(message)\(detail.map { " (\($0))" } ?? "") in: \(statement ?? "?")"
    }
}

/// Runs statements on one PostgreSQL connection, waiting for each (only ever on the engine's own threads).
private struct PostgresExecutor: SQLExecutor {
    let connection: PostgresConnection
    let logger: Logger

    func execute(sql: String, arguments: SQLArguments) throws -> Int {
        var changed = 0
        for statement in try PostgresStatements.split(sql, arguments: arguments) {
            changed = try run(statement).metadata.rows ?? 0
        }
        return changed
    }

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        let statements = try PostgresStatements.split(sql, arguments: arguments)
        guard statements.count == 1, let statement = statements.first else {
            throw StoreError.unavailable("a query must be one statement")
        }
        let result = try run(statement)
        // Every row of one result shares one array of column names.
        var names: [String]?
        return try result.rows.map { row in
            let columns = names ?? row.map(\.columnName)
            names = columns
            return SQLRow(names: columns, values: try row.map(Self.value))
        }
    }

    private func run(_ statement: PostgresQuery) throws -> PostgresQueryResult {
        try connection.query(statement, logger: logger).wait()
    }

    /// Closes the connection; the pool replaces it.
    func close() {
        _ = try? connection.close().wait()
    }

    private static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .numeric:
            let number = try cell.decode(Decimal.self)
            return .real(NSDecimalNumber(decimal: number).doubleValue)
        default: return .text(try cell.decode(String.self))
        }
    }
}
