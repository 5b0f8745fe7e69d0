import Foundation
import TaskPulseDomain

extension SQLTaskStore {
    public func claimDue(now: Date, limit: Int, leaseUntil: Date) async throws -> [ClaimReference] {
        try await write(isolation: .readCommitted) { db in
            // One guarded UPDATE ... RETURNING claims the rows (DESIGN §4). SQLite serialises writers;
            // on PostgreSQL each node skips the rows another node has locked, so no row is claimed twice.
            // Each kind of candidate is read in its own index's order and cut at `limit` before the two are
            // merged: sorting them together read every due row at each claim (a 100,000 burst read the
            // rest of the burst 200 times).
            let sql: String = switch db.dialect {
            case .sqlite:
                """
                UPDATE deliveries SET status = 'sending', lease_until = ?, attempts = attempts + 1, updated_at = ?
                WHERE id IN (
                    SELECT id FROM (
                        SELECT * FROM (SELECT id, due_at FROM deliveries WHERE status = 'pending' AND due_at <= ?
                                       ORDER BY due_at LIMIT ?)
                        UNION ALL
                        SELECT * FROM (SELECT id, due_at FROM deliveries WHERE status = 'sending' AND lease_until < ?
                                       ORDER BY lease_until LIMIT ?))
                    ORDER BY due_at LIMIT ?)
                RETURNING id, attempts, due_at
                """
            case .postgres:
                """
                WITH due AS (
                    SELECT id, due_at FROM deliveries WHERE status = 'pending' AND due_at <= ?
                    ORDER BY due_at LIMIT ? FOR UPDATE SKIP LOCKED),
                expired AS (
                    SELECT id, due_at FROM deliveries WHERE status = 'sending' AND lease_until < ?
                    ORDER BY lease_until LIMIT ? FOR UPDATE SKIP LOCKED)
                UPDATE deliveries SET status = 'sending', lease_until = ?, attempts = attempts + 1, updated_at = ?
                WHERE id IN (
                    SELECT id FROM (SELECT * FROM due UNION ALL SELECT * FROM expired) AS candidates
                    ORDER BY due_at LIMIT ?)
                RETURNING id, attempts, due_at
                """
            }
            let at = now.storageValue
            let arguments: SQLArguments = switch db.dialect {
            case .sqlite: [leaseUntil.storageValue, at, at, limit, at, limit, limit]
            case .postgres: [at, limit, at, limit, leaseUntil.storageValue, at, limit]
            }
            let rows = try SQLRow.fetchAll(db, sql: sql, arguments: arguments)
            // The person and task are read when the row is about to be sent (``currentClaims(_:)``), not here.
            return rows
                .map { row in
                    (due: row["due_at"] as Double, reference: ClaimReference(
                        deliveryID: DeliveryID(row["id"] as Int64), attempt: Int(row["attempts"] as Int64)))
                }
                .sorted { ($0.due, $0.reference.deliveryID.rawValue) < ($1.due, $1.reference.deliveryID.rawValue) }
                .map(\.reference)
        }
    }

    public func renewClaim(ofDelivery deliveryID: DeliveryID, attempt: Int, leaseUntil: Date) async throws
        -> ClaimedDelivery?
    {
        try await write { db in
            let held = try db.execute(
                sql: "UPDATE deliveries SET lease_until = ? WHERE id = ? AND status = 'sending' AND attempts = ?",
                arguments: [leaseUntil.storageValue, deliveryID.rawValue, attempt])
            guard held == 1 else { return nil }
            return try SQLTaskStore.heldClaims(db, [ClaimReference(deliveryID: deliveryID, attempt: attempt)][...])
                .first ?? nil
        }
    }

    public func currentClaims(_ references: [ClaimReference]) async throws -> [ClaimedDelivery?] {
        guard !references.isEmpty else { return [] }
        return try await read { db in
            // One snapshot, three statements per slice of the batch (its rows, their people, their tasks),
            // not three per row.
            var claims: [ClaimedDelivery?] = []
            claims.reserveCapacity(references.count)
            var start = references.startIndex
            while start < references.endIndex {
                let end = min(start + SQLTaskStore.claimsPerRead, references.endIndex)
                claims += try SQLTaskStore.heldClaims(db, references[start..<end])
                start = end
            }
            return claims
        }
    }

    /// Rows read per statement by ``currentClaims(_:)`` (far below either engine's limit on parameters).
    public static let claimsPerRead = 200

    /// The claims among `references` that still hold, in order, with their person and task.
    private static func heldClaims(_ db: SQLDatabase, _ references: ArraySlice<ClaimReference>) throws
        -> [ClaimedDelivery?]
    {
        func list(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }
        let rows = try SQLRow.fetchAll(
            db,
            sql: """
                SELECT \(StoreRows.deliveryColumns), lease_until FROM deliveries
                WHERE status = 'sending' AND id IN (\(list(references.count)))
                """,
            arguments: SQLArguments(references.map { $0.deliveryID.rawValue }))
        var deliveries: [DeliveryID: (delivery: Delivery, leaseUntil: Date?)] = [:]
        for row in rows {
            let delivery = StoreRows.delivery(row)
            deliveries[delivery.id] = (delivery, (row["lease_until"] as Double?).map(Date.init(storageValue:)))
        }
        let userIDs = Array(Set(deliveries.values.map(\.delivery.userID.rawValue)))
        var users: [UserID: User] = [:]
        if !userIDs.isEmpty {
            for row in try SQLRow.fetchAll(
                db, sql: "SELECT \(StoreRows.userColumns) FROM users WHERE id IN (\(list(userIDs.count)))",
                arguments: SQLArguments(userIDs))
            {
                if let user = StoreRows.user(row) { users[user.id] = user }
            }
        }
        let taskIDs = Array(Set(deliveries.values.compactMap(\.delivery.taskID?.rawValue)))
        var tasks: [TaskID: TaskItem] = [:]
        if !taskIDs.isEmpty {
            for row in try SQLRow.fetchAll(
                db, sql: "SELECT \(StoreRows.taskColumns) FROM tasks WHERE id IN (\(list(taskIDs.count)))",
                arguments: SQLArguments(taskIDs))
            {
                let task = StoreRows.task(row)
                tasks[task.id] = task
            }
        }
        return references.map { reference in
            guard let held = deliveries[reference.deliveryID], held.delivery.attempts == reference.attempt,
                let user = users[held.delivery.userID]
            else { return nil }
            return ClaimedDelivery(
                delivery: held.delivery, user: user, task: held.delivery.taskID.flatMap { tasks[$0] },
                leaseUntil: held.leaseUntil)
        }
    }

    @discardableResult
    public func recordDeliveryResult(
        _ result: DeliveryResult, deliveryID: DeliveryID, now: Date, emailCopy: PreparedEmail?, claimedAttempt: Int?
    ) async throws -> Bool {
        let calculator = self.calculator
        return try await write(isolation: .readCommitted) { db in
            let id = deliveryID.rawValue
            let at = now.storageValue
            guard var row = try DeliveryFacts.fetch(db, id: id) else { return false }
            // The result moves the person's series, digests and conversation on: their lock, as their texts
            // take. On PostgreSQL the row is read again under it: another node may have taken it over meanwhile.
            try db.lockPerson(row.userID)
            if db.dialect == .postgres {
                guard let locked = try DeliveryFacts.fetch(db, id: id) else { return false }
                row = locked
            }
            if let claimedAttempt, row.status != .sending || row.attempts != claimedAttempt {
                return false
            }
            if let emailCopy { try SQLTaskStore.insertEmailCopy(db, of: id, mail: emailCopy, now: now) }
            try SQLTaskStore.afterReminder(db, delivery: row, result: result, now: now, calculator: calculator)
            switch result {
            case .sent(let providerMessageID, let body), .sentDigest(let providerMessageID, let body, _, _):
                // A verification link is a secret: once sent, the outbox keeps neither the token nor the link.
                try db.execute(
                    sql: """
                        UPDATE deliveries SET status = 'sent', provider_message_id = ?, body = ?, sent_at = ?,
                            lease_until = NULL, error_code = NULL, error_message = NULL, updated_at = ?,
                            payload = CASE WHEN kind IN ('email_verification', 'phone_code') THEN NULL ELSE payload END
                        WHERE id = ?
                        """,
                    arguments: [providerMessageID, body, at, at, id])
                try SQLTaskStore.applyEarlyStatus(db, providerMessageID: providerMessageID, deliveryID: id, now: now)
                if case .sentDigest(_, _, let nudged, let line) = result {
                    try SQLTaskStore.rememberDigestContent(db, deliveryID: id, nudged: nudged, line: line, now: now)
                }
            case .sentByEmail(let nudged, let line):
                try finish(db, id: id, status: .canceled, code: nil, message: SQLTaskStore.sentByEmail, at: at)
                try SQLTaskStore.rememberDigestContent(db, deliveryID: id, nudged: nudged, line: line, now: now)
            case .retry(_, _, _) where try SQLTaskStore.hasNewerRun(db, deliveryID: id):
                // A settings change or a text wrote the next run while this one was in flight: that one stands.
                try finish(db, id: id, status: .canceled, code: nil, message: "replaced by a newer run", at: at)
            case .retry(let retryAt, let code, let message):
                try db.execute(
                    sql: """
                        UPDATE deliveries SET status = 'pending', due_at = ?, lease_until = NULL, error_code = ?,
                            error_message = ?, updated_at = ? WHERE id = ?
                        """,
                    arguments: [retryAt.storageValue, code, message, at, id])
            case .dead(let code, let message):
                try finish(db, id: id, status: .dead, code: code, message: message, at: at)
            case .failed(let code, let message):
                try finish(db, id: id, status: .failed, code: code, message: message, at: at)
            case .recipientOptedOut(let code, let message):
                try finish(db, id: id, status: .failed, code: code, message: message, at: at)
                // Twilio says the person sent STOP (21610): record it like their own STOP (sms-rules.md §7).
                try SQLTaskStore.markOptedOut(db, deliveryID: id, wording: "Twilio error \(code)", now: now)
            case .recipientInvalid(let code, let message):
                try finish(db, id: id, status: .failed, code: code, message: message, at: at)
                try SQLTaskStore.markNumberInvalid(db, deliveryID: id, now: now)
            case .suppressed(let reason):
                try finish(db, id: id, status: .suppressed, code: nil, message: reason, at: at)
            case .canceled(let reason):
                try finish(db, id: id, status: .canceled, code: nil, message: reason, at: at)
            }
            if row.channel == .email || row.carriesSecret {
                try SQLTaskStore.afterEmailCopyEnded(db, deliveryID: id, now: now)
            }
            // After the row's own outcome (and any nudge marks), the schedule moves on.
            if !result.isRetry, row.isSMSDigest {
                try SQLTaskStore.scheduleNextDigest(db, deliveryID: id, now: now, calculator: calculator)
            }
            return true
        }
    }

    /// Whether another run of this digest row's kind is already waiting (only one may: a unique index).
    static func hasNewerRun(_ db: SQLDatabase, deliveryID: Int64) throws -> Bool {
        try Bool.fetchOne(
            db,
            sql: """
                SELECT EXISTS (SELECT 1 FROM deliveries d JOIN deliveries me ON me.id = ?
                WHERE d.user_id = me.user_id AND d.kind = me.kind AND d.status = 'pending' AND d.channel = 'sms'
                  AND d.id != me.id AND me.channel = 'sms' AND me.kind IN \(StoreRows.digestKinds))
                """,
            arguments: [deliveryID]) ?? false
    }

    /// An email row ended: a confirmation link never stays in the outbox, and a reminder that went by
    /// email only and could not be sent (bounced, retries used up, unsubscribed, address removed) goes
    /// by text instead: a reminder the person set must reach them.
    static func afterEmailCopyEnded(_ db: SQLDatabase, deliveryID: Int64, now: Date) throws {
        try db.execute(
            sql: """
                UPDATE deliveries SET payload = NULL
                WHERE id = ? AND kind IN ('email_verification', 'phone_code') AND status NOT IN ('pending', 'sending')
                """,
            arguments: [deliveryID])
        try db.execute(
            sql: """
                INSERT INTO deliveries (user_id, task_id, kind, channel, payload, due_at, status, created_at, updated_at)
                SELECT c.user_id, c.task_id, 'reminder', 'sms', ?, ?, 'pending', ?, ?
                FROM deliveries c JOIN deliveries p ON p.id = c.parent_id
                JOIN tasks t ON t.id = c.task_id AND t.status = 'open'
                WHERE c.id = ? AND c.channel = 'email' AND c.kind = 'reminder'
                  AND c.status IN ('failed', 'dead', 'suppressed')
                  AND p.status = 'canceled' AND p.error_message = ?
                """,
            arguments: [
                smsFallback, now.storageValue, now.storageValue, now.storageValue, deliveryID, sentByEmail,
            ])
    }

    /// The payload that makes an SMS row go by text whatever the person's channel choice (a fallback).
    public static let smsFallback = "sms-fallback"

    /// How an SMS row that went by email only is marked (status `canceled`).
    static let sentByEmail = "sent by email"

    /// The email copy of a scheduled row, due at once; at most one per row, so a retried SMS row
    /// never makes a second copy.
    static func insertEmailCopy(_ db: SQLDatabase, of parentID: Int64, mail: PreparedEmail, now: Date) throws {
        let payload = String(decoding: try JSONEncoder().encode(mail), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT INTO deliveries (user_id, task_id, kind, channel, parent_id, payload, due_at, scheduled_for, status,
                    created_at, updated_at)
                SELECT user_id, task_id, kind, 'email', id, ?, ?, scheduled_for, 'pending', ?, ? FROM deliveries WHERE id = ?
                ON CONFLICT DO NOTHING
                """,
            arguments: [payload, now.storageValue, now.storageValue, now.storageValue, parentID])
    }

    /// What a digest said, so the next one does not repeat it: nudged tasks and the motivation line.
    static func rememberDigestContent(_ db: SQLDatabase, deliveryID id: Int64, nudged: [TaskID], line: Int?, now: Date) throws {
        let at = now.storageValue
        for task in nudged {
            try db.execute(sql: "UPDATE tasks SET nudged_at = ? WHERE id = ?", arguments: [at, task.rawValue])
        }
        if let line {
            try db.execute(
                sql: """
                    INSERT INTO motivation_history (user_id, line, sent_at)
                    SELECT user_id, ?, ? FROM deliveries WHERE id = ?
                    """,
                arguments: [line, at, id])
        }
    }

    /// A digest run ended (sent, skipped or failed): write the next run of its schedule.
    static func scheduleNextDigest(
        _ db: SQLDatabase, deliveryID: Int64, now: Date, calculator: any OccurrenceCalculating
    ) throws {
        guard let row = try SQLRow.fetchOne(
            db, sql: "SELECT user_id, kind, scheduled_for, due_at FROM deliveries WHERE id = ? AND channel = 'sms'",
            arguments: [deliveryID]),
            let kind = DeliveryKind(rawValue: row["kind"]), kind.isDigest,
            let user = try StoreRows.fetchUser(db, id: UserID(row["user_id"]))
        else { return }
        let scheduler = DigestScheduler(db: db, now: now, calculator: calculator)
        let pending = try Bool.fetchOne(
            db,
            sql: """
                SELECT EXISTS (SELECT 1 FROM deliveries
                WHERE user_id = ? AND kind = ? AND status = 'pending' AND channel = 'sms' AND id != ?)
                """,
            arguments: [user.id.rawValue, kind.rawValue, deliveryID]) ?? false
        guard !pending else { return }
        if kind == .nudge {
            // Whatever happened (sent, suppressed after STOP, failed, nothing to say), the tasks overdue now
            // have had their turn: without this an unsendable nudge would be rescheduled at once, forever.
            try db.execute(
                sql: """
                    UPDATE tasks SET nudged_at = ? WHERE user_id = ? AND status = 'open' AND nudged_at IS NULL
                        AND due_at IS NOT NULL AND due_at <= ?
                    """,
                arguments: [
                    now.storageValue, user.id.rawValue, now.addingTimeInterval(-DigestScheduler.nudgeGrace).storageValue,
                ])
            try scheduler.scheduleNudge(for: user)
        } else {
            let scheduled = Date(storageValue: (row["scheduled_for"] as Double?) ?? row["due_at"])
            try scheduler.schedule(kind, for: user, after: max(scheduled, now))
        }
    }

    /// A reminder was handled: remember it for replies ("done" right after it) and let a repeating
    /// task's next occurrence appear (DESIGN §2).
    static func afterReminder(
        _ db: SQLDatabase, delivery: DeliveryFacts, result: DeliveryResult, now: Date,
        calculator: any OccurrenceCalculating
    ) throws {
        let passed: Bool
        switch result {
        case .sent, .sentDigest, .sentByEmail, .suppressed, .failed, .dead, .recipientOptedOut, .recipientInvalid:
            passed = true
        case .retry, .canceled: passed = false
        }
        guard passed, delivery.kind == .reminder, delivery.channel == .sms,
            let taskID = delivery.taskID, let task = try StoreRows.fetchTask(db, id: TaskID(taskID))
        else { return }
        switch result {
        case .sent, .sentByEmail:
            try db.execute(
                sql: """
                    INSERT INTO conversation_state (user_id, last_reminded_task_id, last_reminded_at) VALUES (?, ?, ?)
                    ON CONFLICT(user_id) DO UPDATE SET last_reminded_task_id = excluded.last_reminded_task_id,
                        last_reminded_at = excluded.last_reminded_at
                    """,
                arguments: [task.userID.rawValue, taskID, now.storageValue])
        default:
            break
        }
        var applier = ChangeApplier(db: db, userID: task.userID, now: now, calculator: calculator)
        try applier.occurrencePassed(task)
    }

    private func finish(_ db: SQLDatabase, id: Int64, status: DeliveryStatus, code: String?, message: String, at: Double)
        throws
    {
        try db.execute(
            sql: """
                UPDATE deliveries SET status = ?, error_code = ?, error_message = ?, lease_until = NULL, updated_at = ?
                WHERE id = ?
                """,
            arguments: [status.rawValue, code, message, at, id])
    }

    public func nextPendingDeliveryDue() async throws -> Date? {
        try await read { db in
            let pending = try Double.fetchOne(db, sql: "SELECT MIN(due_at) FROM deliveries WHERE status = 'pending'")
            let leased = try Double.fetchOne(
                db, sql: "SELECT MIN(lease_until) FROM deliveries WHERE status = 'sending'")
            return [pending, leased].compactMap { $0 }.min().map(Date.init(storageValue:))
        }
    }

    public func releaseAllClaims(now: Date) async throws -> Int {
        // Another node may be sending these right now; its lease says when they may be taken over.
        guard !engine.isShared else { return 0 }
        return try await write { db in
            // A digest run whose next run was written meanwhile is not put back (one pending run per kind).
            try db.execute(
                sql: """
                    UPDATE deliveries SET status = 'canceled', error_message = 'replaced by a newer run', lease_until = NULL,
                        updated_at = ?
                    WHERE status = 'sending' AND channel = 'sms' AND kind IN \(StoreRows.digestKinds)
                      AND EXISTS (SELECT 1 FROM deliveries d WHERE d.user_id = deliveries.user_id AND d.kind = deliveries.kind
                                  AND d.status = 'pending' AND d.channel = 'sms')
                    """,
                arguments: [now.storageValue])
            return try db.execute(
                sql:
                    "UPDATE deliveries SET status = 'pending', lease_until = NULL, updated_at = ? WHERE status = 'sending'",
                arguments: [now.storageValue])
        }
    }
}

/// What recording a result needs to know about its row, read once at the start.
struct DeliveryFacts {
    var userID: UserID
    var taskID: Int64?
    /// `nil` for a kind this build does not know (then nothing kind-specific applies).
    var kind: DeliveryKind?
    var channel: DeliveryChannel?
    var status: DeliveryStatus?
    var attempts: Int

    /// A confirmation link or phone code: its payload is a secret, cleared once the row has ended.
    var carriesSecret: Bool { kind == .emailVerification || kind == .phoneCode }

    /// A scheduled digest's SMS row: its end writes the schedule's next run.
    var isSMSDigest: Bool { channel == .sms && kind?.isDigest == true }

    static func fetch(_ db: SQLDatabase, id: Int64) throws -> DeliveryFacts? {
        try SQLRow.fetchOne(
            db, sql: "SELECT user_id, task_id, kind, channel, status, attempts FROM deliveries WHERE id = ?", arguments: [id]
        ).map { row in
            DeliveryFacts(
                userID: UserID(row["user_id"]), taskID: row["task_id"], kind: DeliveryKind(rawValue: row["kind"]),
                channel: DeliveryChannel(rawValue: row["channel"]), status: DeliveryStatus(rawValue: row["status"]),
                attempts: row["attempts"])
        }
    }
}
