import Foundation
import Logging
import Synchronization
import TaskPulseDomain
import TaskPulseStorage
import TaskPulseTiming

/// A fresh, empty database for one test, removed afterwards.
///
/// SQLite by default (a file in WAL mode, as in production, in a temporary folder). When
/// `TASKPULSE_TEST_POSTGRES_URL` names a PostgreSQL server (`scripts/test` starts one), every test runs
/// on PostgreSQL instead, each in a schema of its own: the storage conformance run (DESIGN §5).
public final class TemporaryDatabase: Sendable {
    /// Which engine a test asked for.
    public enum Engine: Sendable {
        /// PostgreSQL when `TASKPULSE_TEST_POSTGRES_URL` is set, SQLite otherwise.
        case configured
        /// SQLite always (for behaviour only the embedded engine has: its file, releasing claims at start).
        case sqlite
    }

    /// The PostgreSQL server the conformance run uses, if any.
    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["TASKPULSE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public let directory: URL
    /// The schema this test's tables live in, when it runs on PostgreSQL.
    public let schema: String?
    private let postgresBase: String?
    private let opened = Mutex<[SQLTaskStore]>([])

    /// The SQLite file path (unused on PostgreSQL).
    public var path: String { directory.appendingPathComponent("taskpulse.sqlite").path }

    /// What `TASKPULSE_DATABASE_URL` would say for this database.
    public var url: String {
        guard let postgresBase, let schema else { return path }
        let separator = postgresBase.contains("?") ? "&" : "?"
        return "\(postgresBase)\(separator)search_path=\(schema)&pool_size=4"
    }

    public var isPostgres: Bool { schema != nil }

    public init(engine: Engine = .configured) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("taskpulse-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if engine == .configured, let base = Self.postgresURL {
            postgresBase = base
            schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        } else {
            postgresBase = nil
            schema = nil
        }
    }

    /// Opens a migrated store on this database (call again to simulate a restart).
    public func openStore() async throws -> SQLTaskStore {
        let store = try SQLTaskStore.open(
            DatabaseLocation(url: url), calculator: OccurrenceCalculator(), logger: Logger(label: "test-store"))
        opened.withLock { $0.append(store) }
        try await store.migrate()
        return store
    }

    /// Closes every store opened on this database and removes its files. The throwaway PostgreSQL
    /// cluster is removed as a whole by `scripts/test`.
    public func close() async {
        let stores = opened.withLock { stores in
            defer { stores.removeAll() }
            return stores
        }
        for store in stores { await store.shutdown() }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs `body` with a fresh database, closing it afterwards.
    public static func with<T>(
        engine: Engine = .configured, _ body: (TemporaryDatabase) async throws -> T
    ) async throws -> T {
        let database = try TemporaryDatabase(engine: engine)
        do {
            let result = try await body(database)
            await database.close()
            return result
        } catch {
            await database.close()
            throw error
        }
    }
}

extension TaskStore {
    /// A person's reminder rows only (digests are left out), oldest first.
    public func reminderDeliveries(userID: UserID) async throws -> [Delivery] {
        try await deliveries(userID: userID).filter { $0.kind == .reminder }
    }
}
