import GRDB
import GRDBSQLite

/// Reads the rows of a compiled read-only statement straight from SQLite's C API.
///
/// GRDB's row cursor builds a case-insensitive index of the column names and boxes every argument
/// and value on each fetch; the store reads its rows by exact name from ``SQLRow`` anyway. Sending one
/// reminder runs about a dozen small selects, and GRDB's per-fetch work was ~5% of a burst's CPU time
/// (perf, docs/BENCHMARKS.md). Statements that write (`UPDATE ... RETURNING`) still go through GRDB,
/// which tracks their effects.
enum SQLiteRows {
    /// SQLite copies bound text before `sqlite3_bind_text` returns (`SQLITE_TRANSIENT`).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Binds `arguments` to `statement`, runs it and returns its rows; the statement is reset after.
    static func fetchAll(
        _ statement: Statement, arguments: SQLArguments, names: [String], connection: SQLiteConnection?
    ) throws -> [SQLRow] {
        let handle = statement.sqliteStatement
        // Every parameter is bound again below (the count is checked), so old bindings need no clearing.
        sqlite3_reset(handle)
        defer { sqlite3_reset(handle) }
        let values = arguments.values
        guard values.count == Int(sqlite3_bind_parameter_count(handle)) else {
            throw DatabaseError(
                resultCode: .SQLITE_MISUSE,
                message: "\(values.count) arguments for \(sqlite3_bind_parameter_count(handle)) parameters",
                sql: statement.sql)
        }
        for (offset, value) in values.enumerated() {
            let position = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(handle, position)
            case .integer(let integer): code = sqlite3_bind_int64(handle, position, integer)
            case .real(let real): code = sqlite3_bind_double(handle, position, real)
            case .text(let text) where text.isEmpty:
                // Empty, not NULL (a nil pointer would bind NULL).
                code = sqlite3_bind_text(handle, position, "", 0, transient)
            case .text(var text):
                code = text.withUTF8 { bytes in
                    bytes.withMemoryRebound(to: CChar.self) {
                        sqlite3_bind_text(handle, position, $0.baseAddress, Int32($0.count), transient)
                    }
                }
            }
            guard code == SQLITE_OK else { throw error(code, statement, connection) }
        }
        let columns = Int32(names.count)
        var rows: [SQLRow] = []
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return rows }
            guard code == SQLITE_ROW else { throw error(code, statement, connection) }
            var row: [SQLValue] = []
            row.reserveCapacity(names.count)
            for column in 0..<columns { row.append(value(handle, column)) }
            rows.append(SQLRow(names: names, values: row))
        }
    }

    private static func value(_ handle: SQLiteStatement, _ column: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, column))
        default:
            // TEXT, and BLOB read as its UTF-8 text (the store writes no blobs).
            guard let bytes = sqlite3_column_text(handle, column) else { return .text("") }
            let count = Int(sqlite3_column_bytes(handle, column))
            return .text(String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self))
        }
    }

    private static func error(_ code: Int32, _ statement: Statement, _ connection: SQLiteConnection?) -> DatabaseError {
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
    }
}
