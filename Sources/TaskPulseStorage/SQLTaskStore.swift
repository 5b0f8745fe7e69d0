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
        SQLTaskStore(engine: try SQLiteEngine(path: path), calculator: calculator, logger: logger)
    }

    /// Which engine the store runs on.
    public var dialect: SQLDialect { engine.dialect }

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
        isolation: TransactionIsolation = .serializable, _ body: @escaping @Sendable (SQLDatabase) throws -> T
    ) async throws -> T {
        try await engine.write(isolation: isolation, body)
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (SQLDatabase) throws -> T) async throws -> T {
        try await engine.read(body)
    }

    /// How a person's own change runs. Their task list, numbers, conversation and outbox belong to them
    /// alone, so on PostgreSQL the change takes the person's lock and reads committed rows (no
    /// serialization failures between people whose rows share an index page); rules that span people
    /// (unique numbers, one pending digest, one MessageSid) are unique indexes, and a transaction that
    /// hits one runs again. Partner changes touch two people: they stay serializable.
    static func isolation(for change: TaskChange) -> TransactionIsolation {
        if case .partner = change { return .serializable }
        return .readCommitted
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
