import Foundation
import TaskPulseDomain

/// Web accounts, sessions and refresh tokens (issue 6). Refresh tokens are stored as SHA-256 hashes.
extension SQLTaskStore {
    public func register(email: String, passwordHash: String, timeZoneID: String, now: Date) async throws -> User {
        try await write { db in
            let taken = try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM users WHERE lower(login_email) = lower(?))", arguments: [email])
            if taken == true { throw AccountError.emailTaken }
            let id = try db.insert(
                sql: "INSERT INTO users (time_zone, created_at, login_email, password_hash) VALUES (?, ?, ?, ?)",
                arguments: [timeZoneID, now.storageValue, email, passwordHash])
            guard let user = try StoreRows.fetchUser(db, id: UserID(id)) else {
                throw StoreError.unavailable("account row vanished after insert")
            }
            return user
        }
    }

    public func account(email: String) async throws -> Account? {
        try await read { db in
            guard
                let row = try SQLRow.fetchOne(
                    db, sql: "SELECT id, password_hash FROM users WHERE lower(login_email) = lower(?)", arguments: [email]),
                let hash = row["password_hash"] as String?,
                let user = try StoreRows.fetchUser(db, id: UserID(row["id"]))
            else { return nil }
            return Account(user: user, passwordHash: hash)
        }
    }

    public func user(id: UserID) async throws -> User? {
        try await read { db in try StoreRows.fetchUser(db, id: id) }
    }

    public func startSession(
        userID: UserID, sessionID: String, refreshTokenHash: String, expiresAt: Date, now: Date
    ) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO auth_sessions (id, user_id, created_at) VALUES (?, ?, ?)",
                arguments: [sessionID, userID.rawValue, now.storageValue])
            try db.execute(
                sql: "INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [refreshTokenHash, sessionID, now.storageValue, expiresAt.storageValue])
        }
    }

    public func rotateRefreshToken(
        presentedHash: String, newHash: String, expiresAt: Date, now: Date
    ) async throws -> RefreshOutcome {
        try await write { db in
            guard
                let row = try SQLRow.fetchOne(
                    db,
                    sql: """
                        SELECT r.session_id, r.expires_at, r.used_at, s.user_id, s.revoked_at
                        FROM refresh_tokens r JOIN auth_sessions s ON s.id = r.session_id WHERE r.token_hash = ?
                        """,
                    arguments: [presentedHash])
            else { return .invalid }
            let sessionID: String = row["session_id"]
            if row["revoked_at"] as Double? != nil { return .invalid }
            if row["used_at"] as Double? != nil {
                // A spent token came back: it was stolen or replayed. End the whole family (RFC 9700 §4.14.2).
                try SQLTaskStore.revoke(db, sessionID: sessionID, reason: "refresh token reused", now: now)
                return .reused
            }
            guard (row["expires_at"] as Double) > now.storageValue else { return .invalid }
            try db.execute(
                sql: "UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?", arguments: [now.storageValue, presentedHash])
            try db.execute(
                sql: "INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [newHash, sessionID, now.storageValue, expiresAt.storageValue])
            return .rotated(userID: UserID(row["user_id"]), sessionID: sessionID)
        }
    }

    public func revokeSession(id: String, now: Date) async throws {
        try await write { db in try SQLTaskStore.revoke(db, sessionID: id, reason: "logout", now: now) }
    }

    public func isSessionActive(id: String, userID: UserID) async throws -> Bool {
        try await read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM auth_sessions WHERE id = ? AND user_id = ? AND revoked_at IS NULL)",
                arguments: [id, userID.rawValue]) ?? false
        }
    }

    static func revoke(_ db: SQLDatabase, sessionID: String, reason: String, now: Date) throws {
        try db.execute(
            sql: "UPDATE auth_sessions SET revoked_at = COALESCE(revoked_at, ?), revoked_reason = COALESCE(revoked_reason, ?) WHERE id = ?",
            arguments: [now.storageValue, reason, sessionID])
    }

    public func taskPage(userID: UserID, query: TaskQuery) async throws -> TaskPage {
        try await read { db in
            var conditions = ["user_id = ?"]
            var arguments: SQLArguments = [userID.rawValue]
            if !query.statuses.isEmpty {
                conditions.append("status IN (\(query.statuses.map { _ in "?" }.joined(separator: ", ")))")
                for status in query.statuses { _ = arguments.append(contentsOf: [status.rawValue]) }
            }
            if let priority = query.priority {
                conditions.append("priority = ?")
                arguments.append(contentsOf: [priority.rawValue])
            }
            if let from = query.dueFrom {
                conditions.append("due_at >= ?")
                arguments.append(contentsOf: [from.storageValue])
            }
            if let before = query.dueBefore {
                conditions.append("due_at < ?")
                arguments.append(contentsOf: [before.storageValue])
            }
            if let text = query.text, !text.isEmpty {
                conditions.append(db.dialect.containsText(column: "title"))
                arguments.append(contentsOf: [text])
            }
            let direction = query.descending ? "DESC" : "ASC"
            let order: String = switch query.sort {
            // Undated tasks last whichever way dates run.
            case .due: "due_at IS NULL, due_at \(direction), id \(direction)"
            case .created: "created_at \(direction), id \(direction)"
            case .priority: "priority IS NULL, priority \(direction), due_at IS NULL, due_at, id"
            case .number: "number \(direction), id \(direction)"
            }
            arguments.append(contentsOf: [query.limit + 1, query.offset])
            let rows = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT \(StoreRows.taskColumns) FROM tasks WHERE \(conditions.joined(separator: " AND "))
                    ORDER BY \(order) LIMIT ? OFFSET ?
                    """,
                arguments: arguments
            ).map(StoreRows.task)
            return TaskPage(items: Array(rows.prefix(query.limit)), hasMore: rows.count > query.limit)
        }
    }

    public func task(userID: UserID, id: TaskID) async throws -> TaskItem? {
        try await read { db in
            try StoreRows.fetchTask(db, id: id).flatMap { $0.userID == userID ? $0 : nil }
        }
    }

    public func applyChange(_ change: TaskChange, userID: UserID, now: Date) async throws -> (ChangeOutcome, Bool) {
        let calculator = self.calculator
        return try await writeAsPerson(userID) { db in
            let applied = try SQLTaskStore.apply(change, userID: userID, now: now, calculator: calculator, in: db)
            return (applied.outcome, applied.scheduledDelivery)
        }
    }

    public func deliveryLog(userID: UserID, beforeID: DeliveryID?, limit: Int) async throws -> [Delivery] {
        try await read { db in
            try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT \(StoreRows.deliveryColumns) FROM deliveries
                    WHERE user_id = ? AND id < ? AND NOT (status = 'canceled' AND error_message = ?)
                    ORDER BY id DESC LIMIT ?
                    """,
                arguments: [userID.rawValue, beforeID?.rawValue ?? Int64.max, SQLTaskStore.sentByEmail, limit]
            ).map(StoreRows.delivery)
        }
    }

    public func rotateCalendarToken(userID: UserID, token: String) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE users SET calendar_token_hash = ? WHERE id = ?", arguments: [EmailTokens.hash(token), userID.rawValue])
        }
    }

    public func calendarFeed(token: String, now: Date) async throws -> (User, [TaskItem])? {
        try await read { db in
            guard let id = try Int64.fetchOne(
                db, sql: "SELECT id FROM users WHERE calendar_token_hash = ?", arguments: [EmailTokens.hash(token)]),
                let user = try StoreRows.fetchUser(db, id: UserID(id))
            else { return nil }
            // 60 days back, everything ahead: a calendar shows what is coming and what was just done.
            let tasks = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT \(StoreRows.taskColumns) FROM tasks
                    WHERE user_id = ? AND status IN ('open', 'done') AND due_at IS NOT NULL AND due_at >= ?
                    ORDER BY due_at LIMIT 2000
                    """,
                arguments: [id, now.addingTimeInterval(-60 * 86_400).storageValue]
            ).map(StoreRows.task)
            return (user, tasks)
        }
    }

    public func setPriority(_ priority: Priority?, taskID: TaskID, userID: UserID, now: Date) async throws -> TaskItem? {
        try await write { db in
            try db.execute(
                sql: "UPDATE tasks SET priority = ?, updated_at = ? WHERE id = ? AND user_id = ?",
                arguments: [priority?.rawValue, now.storageValue, taskID.rawValue, userID.rawValue])
            return try StoreRows.fetchTask(db, id: taskID).flatMap { $0.userID == userID ? $0 : nil }
        }
    }
}
