import Foundation
import Logging

/// Copies every row of one store's database into another's (`taskpulse copy`): how an embedded SQLite
/// install moves to PostgreSQL, or back. Ids are kept, so links, tokens and outbox rows stay valid.
extension SQLTaskStore {
    /// The tables in an order that satisfies their foreign keys (parents first).
    static let tablesInCopyOrder = [
        "users", "series", "tasks", "deliveries", "inbound_messages", "undo_entries", "conversation_state",
        "motivation_history", "early_statuses", "email_verifications", "email_events", "auth_sessions",
        "refresh_tokens", "phone_link_codes", "partner_links", "partner_broadcasts", "consent_events",
    ]

    /// Rows per `INSERT` (PostgreSQL takes at most 65,535 parameters per statement).
    public static let copyBatchSize = 500

    /// Copies all data from `source` into this (migrated, empty) store.
    /// - Returns: the rows copied per table, in copy order.
    /// - Throws: ``StoreError/invalidConfiguration(_:)`` when this database already holds people.
    public func copyAll(from source: SQLTaskStore) async throws -> [(table: String, rows: Int)] {
        let existing = try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") ?? 0 }
        guard existing == 0 else {
            throw StoreError.invalidConfiguration(
                "the target database already holds \(existing) people; copy into an empty one "
                    + "(after a copy that stopped midway, drop and create the target database again)")
        }
        var copied: [(table: String, rows: Int)] = []
        for table in Self.tablesInCopyOrder {
            var total = 0
            var position: Int64 = 0
            while true {
                let (rows, next) = try await source.copyPage(of: table, after: position)
                guard let first = rows.first else { break }
                position = next
                let columns = first.columnNames.filter { $0 != Self.copyPositionColumn }
                try await write { db in
                    let placeholders = "(" + columns.map { _ in "?" }.joined(separator: ", ") + ")"
                    var arguments = SQLArguments([])
                    for row in rows {
                        for column in columns { arguments.append(row.value(column)) }
                    }
                    try db.execute(
                        sql: """
                            INSERT INTO \(table) (\(columns.joined(separator: ", ")))
                            VALUES \(Array(repeating: placeholders, count: rows.count).joined(separator: ", "))
                            """,
                        arguments: arguments)
                }
                total += rows.count
                if rows.count < Self.copyBatchSize { break }
            }
            copied.append((table, total))
            logger.info("copied table", metadata: ["tp.table": "\(table)", "tp.rows": "\(total)"])
        }
        try await restartIdentities()
        return copied
    }

    /// Names the paging column a SQLite page adds (never copied).
    private static let copyPositionColumn = "copy_position"

    /// One page of `table` after `position`, and the position after it. SQLite pages by rowid (each
    /// page is an index seek); PostgreSQL, the rarer source, by offset in primary-key order.
    private func copyPage(of table: String, after position: Int64) async throws -> ([SQLRow], Int64) {
        try await read { db in
            switch db.dialect {
            case .sqlite:
                let rows = try SQLRow.fetchAll(
                    db,
                    sql: """
                        SELECT rowid AS \(Self.copyPositionColumn), * FROM \(table) WHERE rowid > ?
                        ORDER BY rowid LIMIT ?
                        """,
                    arguments: [position, Self.copyBatchSize])
                return (rows, rows.last.map { $0[Self.copyPositionColumn] } ?? position)
            case .postgres:
                let rows = try SQLRow.fetchAll(
                    db, sql: "SELECT * FROM \(table) ORDER BY \(Self.primaryKeyOrder(table)) LIMIT ? OFFSET ?",
                    arguments: [Self.copyBatchSize, position])
                return (rows, position + Int64(rows.count))
            }
        }
    }

    /// The primary key to page a PostgreSQL table by (`motivation_history` has none: all its columns).
    private static func primaryKeyOrder(_ table: String) -> String {
        switch table {
        case "undo_entries", "conversation_state": "user_id"
        case "early_statuses": "message_sid"
        case "refresh_tokens": "token_hash"
        case "motivation_history": "user_id, sent_at, line"
        default: "id"
        }
    }

    /// After rows were written with their ids, new rows must get ids above them (PostgreSQL identities).
    private func restartIdentities() async throws {
        guard engine.dialect == .postgres else { return }
        try await write { db in
            let tables = try String.fetchAll(
                db,
                sql: """
                    SELECT table_name FROM information_schema.columns
                    WHERE table_schema = current_schema() AND column_name = 'id' AND is_identity = 'YES'
                    """)
            for table in tables {
                try db.execute(
                    sql: """
                        SELECT setval(pg_get_serial_sequence('\(table)', 'id'), COALESCE((SELECT MAX(id) FROM \(table)), 0) + 1, false)
                        """)
            }
        }
    }
}

extension SQLValue: SQLValueConvertible {
    public var sqlValue: SQLValue { self }
    public init?(sqlValue: SQLValue) { self = sqlValue }
}
