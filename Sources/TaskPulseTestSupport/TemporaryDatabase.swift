import Foundation
import Logging
import TaskPulseDomain
import TaskPulseStorage
import TaskPulseTiming

/// A fresh SQLite file (WAL mode, as in production) in a temporary folder, removed afterwards.
public struct TemporaryDatabase: Sendable {
    public let directory: URL
    public var path: String { directory.appendingPathComponent("taskpulse.sqlite").path }

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("taskpulse-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Opens a migrated store on this file (call again to simulate a restart).
    public func openStore() async throws -> SQLiteTaskStore {
        let store = try SQLiteTaskStore(path: path, calculator: OccurrenceCalculator(), logger: Logger(label: "test-store"))
        try await store.migrate()
        return store
    }

    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs `body` with a fresh database, removing it afterwards.
    public static func with<T>(_ body: (TemporaryDatabase) async throws -> T) async throws -> T {
        let database = try TemporaryDatabase()
        defer { database.remove() }
        return try await body(database)
    }
}

extension TaskStore {
    /// A person's reminder rows only (digests are left out), oldest first.
    public func reminderDeliveries(userID: UserID) async throws -> [Delivery] {
        try await deliveries(userID: userID).filter { $0.kind == .reminder }
    }
}
