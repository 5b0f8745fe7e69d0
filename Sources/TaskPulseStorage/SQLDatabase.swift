import Foundation
import TaskPulseDomain

/// A value bound to a statement or read from a result, the same for SQLite and PostgreSQL.
///
/// The schema uses only these: integers (ids, counts, flags as 0/1), reals (instants as seconds since
/// 1970) and text, so one set of queries serves both engines (DESIGN §5).
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
}

/// A Swift value that binds to and reads from a ``SQLValue``.
public protocol SQLValueConvertible: Sendable {
    var sqlValue: SQLValue { get }
    /// `nil` when the stored value has another type (or is NULL).
    init?(sqlValue: SQLValue)
}

extension Int64: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .integer(let value): self = value
        case .real(let value) where value.rounded() == value && abs(value) < 9.0e18: self = Int64(value)
        default: return nil
        }
    }
}

extension Int: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public init?(sqlValue: SQLValue) {
        guard let value = Int64(sqlValue: sqlValue) else { return nil }
        self = Int(value)
    }
}

extension Double: SQLValueConvertible {
    public var sqlValue: SQLValue { .real(self) }
    public init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .real(let value): self = value
        case .integer(let value): self = Double(value)
        default: return nil
        }
    }
}

extension Bool: SQLValueConvertible {
    /// Flags are stored as 0 and 1 in both engines (PostgreSQL's `EXISTS` answers a boolean, read as 0/1).
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    public init?(sqlValue: SQLValue) {
        guard let value = Int64(sqlValue: sqlValue) else { return nil }
        self = value != 0
    }
}

extension String: SQLValueConvertible {
    public var sqlValue: SQLValue { .text(self) }
    public init?(sqlValue: SQLValue) {
        guard case .text(let value) = sqlValue else { return nil }
        self = value
    }
}

/// The values bound to a statement's `?` placeholders, in order.
public struct SQLArguments: Sendable, ExpressibleByArrayLiteral {
    public var values: [SQLValue]

    public init(_ values: [(any SQLValueConvertible)?]) {
        self.values = values.map { $0?.sqlValue ?? .null }
    }

    public init(arrayLiteral elements: (any SQLValueConvertible)?...) {
        self.init(elements)
    }

    public mutating func append(_ value: (any SQLValueConvertible)?) {
        values.append(value?.sqlValue ?? .null)
    }

    public mutating func append(contentsOf other: SQLArguments) {
        values += other.values
    }
}

/// One result row, read by column name (names are lower case in both engines).
public struct SQLRow: Sendable {
    private let names: [String]
    private let values: [SQLValue]

    public init(names: [String], values: [SQLValue]) {
        self.names = names
        self.values = values
    }

    /// The result's column names, in order.
    public var columnNames: [String] { names }

    public func value(_ column: String) -> SQLValue {
        guard let index = names.firstIndex(of: column) else {
            preconditionFailure("no column \(column) in \(names)")
        }
        return values[index]
    }

    /// A column that is never NULL; reading NULL or another type is a programming error, as in GRDB.
    public subscript<Value: SQLValueConvertible>(_ column: String) -> Value {
        guard let value = Value(sqlValue: value(column)) else {
            preconditionFailure("column \(column) holds \(value(column)), not \(Value.self)")
        }
        return value
    }

    public subscript<Value: SQLValueConvertible>(_ column: String) -> Value? {
        Value(sqlValue: value(column))
    }

    /// The first column's value.
    var first: SQLValue { values.first ?? .null }
}

/// What one engine does with a statement inside the current transaction.
public protocol SQLExecutor {
    /// Runs one or more `;`-separated statements. - Returns: the rows the last statement changed.
    @discardableResult
    func execute(sql: String, arguments: SQLArguments) throws -> Int

    /// Runs one statement and returns its rows.
    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow]
}

/// The SQL that differs between the two engines; everything else is written once.
public enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// Case-insensitive "contains" of a bound text in a column.
    func containsText(column: String) -> String {
        switch self {
        case .sqlite: "instr(lower(\(column)), lower(?)) > 0"
        case .postgres: "strpos(lower(\(column)), lower(?)) > 0"
        }
    }
}

/// One open transaction, on either engine. Store logic takes this and never an engine's own type.
public struct SQLDatabase {
    let executor: any SQLExecutor
    public let dialect: SQLDialect

    public init(executor: any SQLExecutor, dialect: SQLDialect) {
        self.executor = executor
        self.dialect = dialect
    }

    @discardableResult
    public func execute(sql: String, arguments: SQLArguments = []) throws -> Int {
        try executor.execute(sql: sql, arguments: arguments)
    }
}

extension SQLRow {
    public static func fetchAll(_ db: SQLDatabase, sql: String, arguments: SQLArguments = []) throws -> [SQLRow] {
        try db.executor.fetchAll(sql: sql, arguments: arguments)
    }

    public static func fetchOne(_ db: SQLDatabase, sql: String, arguments: SQLArguments = []) throws -> SQLRow? {
        try fetchAll(db, sql: sql, arguments: arguments).first
    }
}

extension SQLValueConvertible {
    /// The first column of every row (rows whose value is NULL or of another type are left out).
    public static func fetchAll(_ db: SQLDatabase, sql: String, arguments: SQLArguments = []) throws -> [Self] {
        try SQLRow.fetchAll(db, sql: sql, arguments: arguments).compactMap { Self(sqlValue: $0.first) }
    }

    /// The first column of the first row; `nil` when there is no row or the value is NULL.
    public static func fetchOne(_ db: SQLDatabase, sql: String, arguments: SQLArguments = []) throws -> Self? {
        try SQLRow.fetchOne(db, sql: sql, arguments: arguments).flatMap { Self(sqlValue: $0.first) }
    }
}

extension SQLDatabase {
    /// Waits for this person's transaction lock (PostgreSQL; released at commit). SQLite has one writer at
    /// a time already. Take it first: later statements of a READ COMMITTED transaction see what the
    /// previous holder committed.
    public func lockPerson(_ userID: UserID) throws {
        guard dialect == .postgres else { return }
        try execute(sql: "SELECT pg_advisory_xact_lock(?)", arguments: [userID.rawValue])
    }

    /// Runs one `INSERT` and returns the new row's `id`.
    public func insert(sql: String, arguments: SQLArguments = []) throws -> Int64 {
        guard let id = try Int64.fetchOne(self, sql: sql + " RETURNING id", arguments: arguments) else {
            throw StoreError.unavailable("an insert returned no id")
        }
        return id
    }
}
