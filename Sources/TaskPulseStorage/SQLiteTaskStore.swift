import Foundation
import GRDB
import Logging
import TaskPulseDomain

/// The embedded default store: one SQLite file in WAL mode through GRDB (DESIGN §5).
///
/// GRDB serialises writes, so each ``TaskStore`` method that changes something runs as one
/// transaction after the previous one; concurrent webhooks for a new number therefore create one person.
public struct SQLiteTaskStore: TaskStore {
    let pool: DatabasePool
    let logger: Logger
    let calculator: any OccurrenceCalculating

    /// Opens (creating if needed) the database at `path`. Call ``migrate()`` before use.
    /// - Parameter calculator: time arithmetic for repeating tasks and zone changes.
    /// - Throws: ``StoreError/unavailable(_:)`` when the file cannot be opened.
    public init(path: String, calculator: any OccurrenceCalculating, logger: Logger) throws {
        self.calculator = calculator
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
        self.logger = logger
    }

    public func migrate() async throws {
        do {
            try SQLiteSchema.migrator.migrate(pool)
        } catch let error as DatabaseError {
            throw SQLiteTaskStore.translate(error)
        }
    }

    public func ping() async throws {
        _ = try await read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    /// Runs a write transaction, turning SQLite's "cannot write now" errors into ``StoreError``.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch let error as DatabaseError {
            throw SQLiteTaskStore.translate(error)
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch let error as DatabaseError {
            throw SQLiteTaskStore.translate(error)
        }
    }

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

/// Seconds since 1970 as stored in `*_at` columns (REAL), and back.
extension Date {
    var storageValue: Double { timeIntervalSince1970 }
    init(storageValue: Double) { self.init(timeIntervalSince1970: storageValue) }
}
