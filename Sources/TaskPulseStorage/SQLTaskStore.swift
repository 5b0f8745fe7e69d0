import Foundation
import Logging
import TaskPulseDomain

/// The one ``TaskStore``: its logic is written once in SQL both engines understand, and runs on the
/// embedded SQLite default or on PostgreSQL (DESIGN §5), so both behave the same.
public struct SQLTaskStore: TaskStore {
    let engine: any StoreEngine
    let logger: Logger
    let calculator: any OccurrenceCalculating

    init(engine: any StoreEngine, calculator: any OccurrenceCalculating, logger: Logger) {
        self.engine = engine
        self.calculator = calculator
        self.logger = logger
    }

    /// Opens (creating if needed) the SQLite database at `path`. Call ``migrate()`` before use.
    /// - Parameter calculator: time arithmetic for repeating tasks and zone changes.
    /// - Throws: ``StoreError/unavailable(_:)`` when the file cannot be opened.
    public static func sqlite(path: String, calculator: any OccurrenceCalculating, logger: Logger) throws -> SQLTaskStore {
        SQLTaskStore(engine: try SQLiteEngine(path: path, logger: logger), calculator: calculator, logger: logger)
    }

    public func migrate() async throws {
        try await engine.migrate()
    }

    public func ping() async throws {
        _ = try await read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    /// Stops the engine's connections.
    public func shutdown() async {
        await engine.shutdown()
    }

    /// Runs a write transaction (see ``StoreEngine/write(isolation:_:)``: the body may run again).
    func write<T: Sendable>(
        isolation: TransactionIsolation = .serializable, durability: CommitDurability = .flushed,
        _ body: @escaping @Sendable (SQLDatabase) throws -> T
    ) async throws -> T {
        try await engine.write(isolation: isolation, durability: durability, body)
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (SQLDatabase) throws -> T) async throws -> T {
        try await engine.read(body)
    }

    /// A write transaction that acts for one person: on PostgreSQL it first takes that person's lock and
    /// reads committed rows, so one person's changes apply one at a time on every node (as SQLite's single
    /// writer applies everything), and people never fail each other's transactions. Whoever else writes
    /// this person's tasks, series, conversation or outbox (a partner's assignment, a delivery result, a
    /// merge) takes the same lock. Rules that span people are unique indexes; a transaction that hits one
    /// runs again.
    func writeAsPerson<T: Sendable>(
        _ userID: UserID, durability: CommitDurability = .flushed, _ body: @escaping @Sendable (SQLDatabase) throws -> T
    ) async throws -> T {
        try await write(isolation: .readCommitted, durability: durability) { db in
            try db.lockPerson(userID)
            return try body(db)
        }
    }
}

extension SQLTaskStore {
    /// Connects to the PostgreSQL database at `settings` (the pool connects lazily). Call ``migrate()``
    /// before use and ``shutdown()`` at the end.
    public static func postgres(
        _ settings: PostgresSettings, calculator: any OccurrenceCalculating, logger: Logger
    ) throws -> SQLTaskStore {
        SQLTaskStore(engine: try PostgresEngine(settings: settings, logger: logger), calculator: calculator, logger: logger)
    }
}
