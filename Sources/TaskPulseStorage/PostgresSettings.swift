import Foundation

/// Where a PostgreSQL database is, read from a `postgres://user:password@host:port/database?...` URL.
///
/// Query options: `sslmode` (`disable`, `prefer` (default), `require`), `pool_size` (connections per node,
/// default 10), `search_path` (a schema, for tests and shared servers).
public struct PostgresSettings: Sendable, Equatable {
    public enum TLSMode: String, Sendable { case disable, prefer, require }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    public var poolSize: Int
    public var searchPath: String?

    /// Whether `url` names PostgreSQL rather than a SQLite file.
    public static func isPostgresURL(_ url: String) -> Bool {
        url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")
    }

    /// - Throws: ``StoreError/invalidConfiguration(_:)`` naming what is wrong with the URL.
    public init(url: String) throws {
        guard Self.isPostgresURL(url), let components = URLComponents(string: url) else {
            throw StoreError.invalidConfiguration("expected postgres://user:password@host:port/database")
        }
        guard let host = components.host, !host.isEmpty else {
            throw StoreError.invalidConfiguration("the PostgreSQL URL has no host")
        }
        guard let user = components.user, !user.isEmpty else {
            throw StoreError.invalidConfiguration("the PostgreSQL URL has no user name")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw StoreError.invalidConfiguration("the PostgreSQL URL has no database name") }
        self.host = host
        self.port = components.port ?? 5432
        self.username = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database.removingPercentEncoding ?? database
        self.tls = .prefer
        self.poolSize = 10
        self.searchPath = nil
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                switch value {
                case "disable": tls = .disable
                case "prefer", "allow": tls = .prefer
                case "require", "verify-ca", "verify-full": tls = .require
                default: throw StoreError.invalidConfiguration("sslmode must be disable, prefer or require, got \(value)")
                }
            case "pool_size":
                guard let size = Int(value), (1...200).contains(size) else {
                    throw StoreError.invalidConfiguration("pool_size must be a number from 1 to 200, got \(value)")
                }
                poolSize = size
            case "search_path":
                guard !value.isEmpty, value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    throw StoreError.invalidConfiguration("search_path must be one schema name, got \(value)")
                }
                searchPath = value
            default:
                throw StoreError.invalidConfiguration("unknown PostgreSQL URL option \(item.name)")
            }
        }
    }

    /// The URL without its password, for logs.
    public var redacted: String {
        "postgres://\(username)@\(host):\(port)/\(database)"
    }
}
