import Foundation

/// How strictly a PostgreSQL transaction is isolated (SQLite runs one writer at a time, so it ignores this).
public enum TransactionIsolation: Sendable {
    /// The default: every transaction behaves as if it ran alone; a conflict is retried from the start.
    case serializable
    /// Each statement reads the latest committed rows: for claiming work with `FOR UPDATE SKIP LOCKED`, and
    /// for a person's changes behind their lock (``SQLTaskStore/writeAsPerson(_:_:)``).
    case readCommitted
}

/// When a write's caller hears back: after its commit is on the disk, or as soon as it is committed.
public enum CommitDurability: Sendable, Equatable {
    /// The caller hears back once the commit has been flushed to the disk, so a power cut cannot undo
    /// it (every change a person asked for: Twilio never retries a text that got a 200).
    case flushed
    /// The caller hears back once the commit is in the database's log, before the flush: killing the
    /// process loses nothing, but a power cut (or, on PostgreSQL, a server crash) before the next
    /// flushed commit can lose it. Only for writes that record what was read (a `list`'s inbound
    /// record and its page cursor) and would be written again by the next text; never for a change.
    case deferredFlush
}

/// A database engine under ``SQLTaskStore``: it runs the store's transactions and brings its schema up
/// to date. Store logic is written once against ``SQLDatabase``; an engine supplies the connection.
public protocol StoreEngine: Sendable {
    var dialect: SQLDialect { get }

    /// Whether other processes may dispatch from the same database (a cluster of nodes). When they
    /// may, claims left by a stopped process are taken over when their lease runs out, never released.
    var isShared: Bool { get }

    /// Runs `body` in one write transaction, committing when it returns and rolling back when it throws.
    /// The body may run more than once (PostgreSQL retries a transaction that lost a conflict), so it
    /// must not have effects outside the database. `durability` says whether to wait for the flush.
    func write<T: Sendable>(
        isolation: TransactionIsolation, durability: CommitDurability,
        _ body: @escaping @Sendable (SQLDatabase) throws -> T
    ) async throws -> T

    /// Runs `body` in a read-only transaction.
    func read<T: Sendable>(_ body: @escaping @Sendable (SQLDatabase) throws -> T) async throws -> T

    /// Brings the schema up to date; safe when several processes start at once.
    func migrate() async throws

    /// Stops the engine's connections (the PostgreSQL pool); the embedded engine has nothing to stop.
    func shutdown() async
}
