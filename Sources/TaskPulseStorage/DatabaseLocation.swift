import Foundation
import Logging
import TaskPulseDomain

/// Which database a node uses, from `TASKPULSE_DATABASE_URL` (DESIGN §7).
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    /// The embedded default: one SQLite file.
    case sqlite(path: String)
    /// A PostgreSQL database that several nodes may share.
    case postgres(PostgresSettings)

    /// `postgres://...` or `postgresql://...`, `sqlite:///path`, or a plain file path.
    /// - Throws: ``StoreError/invalidConfiguration(_:)`` saying what is wrong.
    public init(url: String) throws {
        if PostgresSettings.isPostgresURL(url) {
            self = .postgres(try PostgresSettings(url: url))
        } else if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw StoreError.invalidConfiguration("sqlite:// needs a path") }
            self = .sqlite(path: path)
        } else if url.contains("://") {
            throw StoreError.invalidConfiguration("expected a file path, sqlite:///path or postgres://..., got \(url)")
        } else {
            self = .sqlite(path: url)
        }
    }

    /// Where the data is, without secrets (for logs).
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let settings): settings.redacted
        }
    }
}

extension SQLTaskStore {
    /// Opens the store at `location`. Call ``migrate()`` before use and ``shutdown()`` at the end.
    public static func open(
        _ location: DatabaseLocation, calculator: any OccurrenceCalculating, logger: Logger
    ) throws -> SQLTaskStore {
        switch location {
        case .sqlite(let path): try sqlite(path: path, calculator: calculator, logger: logger)
        case .postgres(let settings): try postgres(settings, calculator: calculator, logger: logger)
        }
    }
}
