import Foundation
import TaskPulseDomain

extension SQLTaskStore {
    public func ensureUser(phone: Phone, timeZoneID: String, now: Date) async throws -> User {
        if let existing = try await user(phone: phone) { return existing }
        // READ COMMITTED: a concurrent first text's insert is waited for, then seen by the SELECT.
        return try await write(isolation: .readCommitted) { db in
            try db.execute(
                sql: "INSERT INTO users (phone, time_zone, created_at) VALUES (?, ?, ?) ON CONFLICT(phone) DO NOTHING",
                arguments: [phone.e164, timeZoneID, now.storageValue])
            let row = try SQLRow.fetchOne(
                db, sql: "SELECT \(StoreRows.userColumns) FROM users WHERE phone = ?", arguments: [phone.e164])
            guard let row, let user = StoreRows.user(row) else {
                throw StoreError.unavailable("user row for \(phone.masked) vanished")
            }
            return user
        }
    }

    public func user(phone: Phone) async throws -> User? {
        try await read { db in
            try SQLRow.fetchOne(
                db, sql: "SELECT \(StoreRows.userColumns) FROM users WHERE phone = ?", arguments: [phone.e164]
            )
            .flatMap(StoreRows.user)
        }
    }

    public func inboundSender(messageSid: String, phone: Phone) async throws -> InboundSender {
        try await read { db in
            let reply = try String.fetchOne(
                db, sql: "SELECT reply FROM inbound_messages WHERE message_sid = ?", arguments: [messageSid])
            if reply != nil { return InboundSender(recordedReply: reply, user: nil) }
            let user = try SQLRow.fetchOne(
                db, sql: "SELECT \(StoreRows.userColumns) FROM users WHERE phone = ?", arguments: [phone.e164]
            ).flatMap(StoreRows.user)
            return InboundSender(recordedReply: nil, user: user)
        }
    }

    public func handleInbound(
        _ message: InboundMessage, userID: UserID, change: TaskChange, now: Date,
        renderReply: @escaping @Sendable (ChangeOutcome, _ isFirstMessage: Bool) -> String
    ) async throws -> InboundResult {
        // A text that only reads (list, help...) is answered without waiting for its record's flush.
        guard change.onlyReads else {
            return try await handleInbound(message, userID: userID, change: change, now: now, durability: .flushed, renderReply)
        }
        do {
            return try await handleInbound(
                message, userID: userID, change: change, now: now, durability: .deferredFlush, renderReply)
        } catch is ChangeNeedsFlush {
            return try await handleInbound(message, userID: userID, change: change, now: now, durability: .flushed, renderReply)
        }
    }

    /// Thrown (and the text applied again, flushed) when a text that only reads turns out to change
    /// something after all: the number's "invalid" mark cleared, a missing digest written.
    private struct ChangeNeedsFlush: Error {}

    private func handleInbound(
        _ message: InboundMessage, userID: UserID, change: TaskChange, now: Date, durability: CommitDurability,
        _ renderReply: @escaping @Sendable (ChangeOutcome, _ isFirstMessage: Bool) -> String
    ) async throws -> InboundResult {
        let calculator = self.calculator
        let deferred = durability == .deferredFlush
        // Texts from one person are applied one at a time, on every node (the same MessageSid too).
        return try await writeAsPerson(userID, durability: durability) { db in
            if let reply = try String.fetchOne(
                db, sql: "SELECT reply FROM inbound_messages WHERE message_sid = ?", arguments: [message.messageSid])
            {
                return InboundResult(reply: reply, isDuplicate: true, scheduledDelivery: false)
            }
            // A text from the number proves it works: clear an earlier "invalid number" mark.
            let cleared = try db.execute(
                sql: "UPDATE users SET number_invalid_at = NULL WHERE id = ? AND number_invalid_at IS NOT NULL",
                arguments: [userID.rawValue])
            if deferred, cleared > 0 { throw ChangeNeedsFlush() }
            let isFirst = try !(Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM inbound_messages WHERE user_id = ?)", arguments: [userID.rawValue])
                ?? false)
            let applied = try SQLTaskStore.apply(change, userID: userID, now: now, calculator: calculator, in: db)
            if deferred, applied.scheduledDelivery || applied.scheduledDigest { throw ChangeNeedsFlush() }
            let reply = renderReply(applied.outcome, isFirst)
            try db.execute(
                sql:
                    "INSERT INTO inbound_messages (message_sid, user_id, body, reply, received_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [message.messageSid, userID.rawValue, message.body, reply, message.receivedAt.storageValue])
            return InboundResult(
                reply: reply, isDuplicate: false, scheduledDelivery: applied.scheduledDelivery, isFirstMessage: isFirst)
        }
    }

    /// What ``apply(_:userID:now:calculator:in:)`` did.
    struct AppliedChange {
        var outcome: ChangeOutcome
        /// Whether the outbox got a message for the dispatcher (the caller wakes it).
        var scheduledDelivery: Bool
        /// Whether a missing digest run was written.
        var scheduledDigest: Bool
    }

    /// Applies a change and keeps the person's digest schedule right, in the caller's transaction.
    static func apply(
        _ change: TaskChange, userID: UserID, now: Date, calculator: any OccurrenceCalculating, in db: SQLDatabase
    ) throws -> AppliedChange {
        var changes = ChangeApplier(db: db, userID: userID, now: now, calculator: calculator)
        let outcome = try changes.apply(change)
        var scheduledDigest = false
        if let user = try StoreRows.fetchUser(db, id: userID) {
            let digests = DigestScheduler(db: db, now: now, calculator: calculator)
            scheduledDigest = try digests.ensureScheduled(user)
            if change.touchesTasks { try digests.refreshNudge(for: user) }
        }
        return AppliedChange(outcome: outcome, scheduledDelivery: changes.scheduledDelivery, scheduledDigest: scheduledDigest)
    }

    public func tasks(userID: UserID, status: TaskStatus?) async throws -> [TaskItem] {
        try await read { db in
            if let status {
                return try SQLRow.fetchAll(
                    db,
                    sql:
                        "SELECT \(StoreRows.taskColumns) FROM tasks WHERE user_id = ? AND status = ? ORDER BY number, id",
                    arguments: [userID.rawValue, status.rawValue]
                ).map(StoreRows.task)
            }
            return try SQLRow.fetchAll(
                db, sql: "SELECT \(StoreRows.taskColumns) FROM tasks WHERE user_id = ? ORDER BY id",
                arguments: [userID.rawValue]
            ).map(StoreRows.task)
        }
    }

    public func deliveries(userID: UserID) async throws -> [Delivery] {
        try await read { db in
            try SQLRow.fetchAll(
                db, sql: "SELECT \(StoreRows.deliveryColumns) FROM deliveries WHERE user_id = ? ORDER BY id",
                arguments: [userID.rawValue]
            ).map(StoreRows.delivery)
        }
    }

    public func conversation(userID: UserID, limit: Int) async throws -> [ConversationEntry] {
        try await read { db in
            var entries: [ConversationEntry] = []
            let inbound = try SQLRow.fetchAll(
                db,
                sql:
                    "SELECT id, body, reply, received_at FROM inbound_messages WHERE user_id = ? ORDER BY id DESC LIMIT ?",
                arguments: [userID.rawValue, limit])
            for row in inbound {
                let at = Date(storageValue: row["received_at"])
                let id: Int64 = row["id"]
                entries.append(
                    .init(direction: .inbound, at: at, text: row["body"], status: nil, sortKey: key(at, "a", id)))
                let reply: String = row["reply"]
                if !reply.isEmpty {
                    entries.append(
                        .init(direction: .reply, at: at, text: reply, status: nil, sortKey: key(at, "b", id)))
                }
            }
            // A consent request is the partner's row but went to the invited number: not this conversation.
            let outbound = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT id, body, status, sent_at, updated_at FROM deliveries
                    WHERE user_id = ? AND channel = 'sms' AND kind != 'link_request'
                      AND status NOT IN ('pending', 'sending', 'canceled') ORDER BY id DESC LIMIT ?
                    """,
                arguments: [userID.rawValue, limit])
            for row in outbound {
                let at = Date(storageValue: (row["sent_at"] as Double?) ?? row["updated_at"])
                let id: Int64 = row["id"]
                entries.append(
                    .init(
                        direction: .outbound, at: at, text: (row["body"] as String?) ?? "", status: row["status"],
                        sortKey: key(at, "c", id)))
            }
            return Array(entries.sorted { $0.sortKey < $1.sortKey }.suffix(limit))
        }
    }
}

/// A sortable key: time first, then kind, then id, so a reply follows its text.
private func key(_ at: Date, _ kind: String, _ id: Int64) -> String {
    let millis = Int64(at.timeIntervalSince1970 * 1000)
    let padded =
        String(millis).count < 15
        ? String(repeating: "0", count: 15 - String(millis).count) + String(millis) : String(millis)
    return "\(padded)\(kind)\(id)"
}
