import Foundation
import TaskPulseDomain

/// What asking for a phone-link code did.
public enum PhoneCodeRequest: Sendable, Equatable {
    case sent
    /// Three codes an hour per account and per number at most.
    case rateLimited
    /// The account already has this or another phone.
    case alreadyLinked
}

/// What presenting a phone-link code did.
public enum PhoneLinkOutcome: Sendable, Equatable {
    /// The phone is linked. When the number already texted the service, the web account was merged into
    /// that person (`userID` is theirs now) and the old account id is gone.
    case linked(userID: UserID, merged: Bool)
    case wrongCode(attemptsLeft: Int)
    /// No live code (never asked, expired, used, or five wrong tries).
    case noCode
    /// The number belongs to another web account: merging would replace that account's sign-in, so
    /// the person signs in to that account instead. The code is used up.
    case linkedToAnotherAccount
}

/// Linking a phone to a web account by a code sent by SMS (issue 6): afterwards the web account and the
/// texting person are one user with one task list.
extension SQLTaskStore {
    static let codeLifetime: TimeInterval = 600
    static let codesPerHour = 3
    static let codeAttempts = 5

    public func requestPhoneCode(userID: UserID, phone: Phone, code: String, now: Date) async throws -> PhoneCodeRequest {
        try await write { db in
            guard let user = try StoreRows.fetchUser(db, id: userID) else { return .alreadyLinked }
            if user.phone != nil { return .alreadyLinked }
            let hourAgo = now.addingTimeInterval(-3600).storageValue
            let byAccount = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM phone_link_codes WHERE user_id = ? AND created_at > ?",
                arguments: [userID.rawValue, hourAgo]) ?? 0
            let byPhone = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM phone_link_codes WHERE phone = ? AND created_at > ?",
                arguments: [phone.e164, hourAgo]) ?? 0
            guard byAccount < Self.codesPerHour, byPhone < Self.codesPerHour else { return .rateLimited }
            try db.execute(
                sql: "UPDATE phone_link_codes SET used_at = ? WHERE user_id = ? AND used_at IS NULL",
                arguments: [now.storageValue, userID.rawValue])
            try db.execute(
                sql: "INSERT INTO phone_link_codes (user_id, phone, code_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    userID.rawValue, phone.e164, EmailTokens.hash("\(userID.rawValue):\(code)"), now.storageValue,
                    now.addingTimeInterval(Self.codeLifetime).storageValue,
                ])
            let payload = String(
                decoding: try JSONEncoder().encode(PhoneCodePayload(phone: phone.e164, code: code)), as: UTF8.self)
            try db.execute(
                sql: """
                    INSERT INTO deliveries (user_id, kind, channel, payload, due_at, status, created_at, updated_at)
                    VALUES (?, 'phone_code', 'sms', ?, ?, 'pending', ?, ?)
                    """,
                arguments: [userID.rawValue, payload, now.storageValue, now.storageValue, now.storageValue])
            return .sent
        }
    }

    public func verifyPhoneCode(userID: UserID, code: String, now: Date) async throws -> PhoneLinkOutcome {
        try await writeAsPerson(userID) { db in
            guard
                let row = try SQLRow.fetchOne(
                    db,
                    sql: """
                        SELECT id, phone, code_hash, attempts FROM phone_link_codes
                        WHERE user_id = ? AND used_at IS NULL AND expires_at > ? ORDER BY id DESC LIMIT 1
                        """,
                    arguments: [userID.rawValue, now.storageValue]),
                (row["attempts"] as Int) < Self.codeAttempts
            else { return .noCode }
            let id: Int64 = row["id"]
            guard EmailTokens.hash("\(userID.rawValue):\(code)") == (row["code_hash"] as String) else {
                try db.execute(sql: "UPDATE phone_link_codes SET attempts = attempts + 1 WHERE id = ?", arguments: [id])
                return .wrongCode(attemptsLeft: Self.codeAttempts - (row["attempts"] as Int) - 1)
            }
            try db.execute(sql: "UPDATE phone_link_codes SET used_at = ? WHERE id = ?", arguments: [now.storageValue, id])
            let phone: String = row["phone"]
            guard let existing = try SQLRow.fetchOne(db, sql: "SELECT id, login_email FROM users WHERE phone = ?", arguments: [phone])
            else {
                try db.execute(sql: "UPDATE users SET phone = ? WHERE id = ?", arguments: [phone, userID.rawValue])
                return .linked(userID: userID, merged: false)
            }
            guard (existing["login_email"] as String?) == nil else { return .linkedToAnotherAccount }
            let existingID: Int64 = existing["id"]
            // The merge writes the texting person's list too.
            try db.lockPerson(UserID(existingID))
            try SQLTaskStore.merge(account: userID.rawValue, into: existingID, db: db)
            return .linked(userID: UserID(existingID), merged: true)
        }
    }

    /// Moves a web account's tasks, schedule and sign-in into the person who texts from the phone, then
    /// removes the account row. Open tasks keep their order and take numbers after the person's own.
    static func merge(account: Int64, into person: Int64, db: SQLDatabase) throws {
        let taken = try Int.fetchOne(
            db, sql: "SELECT COALESCE(MAX(number), 0) FROM tasks WHERE user_id = ? AND status = 'open'", arguments: [person])
            ?? 0
        let open = try Int64.fetchAll(
            db, sql: "SELECT id FROM tasks WHERE user_id = ? AND status = 'open' ORDER BY number", arguments: [account])
        for (index, task) in open.enumerated() {
            try db.execute(
                sql: "UPDATE tasks SET user_id = ?, number = ? WHERE id = ?", arguments: [person, taken + index + 1, task])
        }
        for table in ["tasks", "series", "motivation_history", "email_verifications", "email_events", "auth_sessions",
            "phone_link_codes"]
        {
            try db.execute(sql: "UPDATE \(table) SET user_id = ? WHERE user_id = ?", arguments: [person, account])
        }
        // The account's digest runs give way to the person's own (one pending run per kind).
        try db.execute(
            sql: """
                UPDATE deliveries SET status = 'canceled', error_message = 'merged into the phone''s account'
                WHERE user_id = ? AND status IN ('pending', 'sending') AND kind IN \(StoreRows.digestKinds)
                """,
            arguments: [account])
        try db.execute(sql: "UPDATE deliveries SET user_id = ? WHERE user_id = ?", arguments: [person, account])
        try mergePartnerLinks(account: account, into: person, db: db)
        let login = try SQLRow.fetchOne(
            db, sql: "SELECT login_email, password_hash, display_name FROM users WHERE id = ?", arguments: [account])
        try db.execute(sql: "DELETE FROM users WHERE id = ?", arguments: [account])
        try db.execute(
            sql: "UPDATE users SET login_email = ?, password_hash = ?, display_name = COALESCE(display_name, ?) WHERE id = ?",
            arguments: [
                login?["login_email"] as String?, login?["password_hash"] as String?, login?["display_name"] as String?,
                person,
            ])
    }

    /// The account's students become the person's. A live link the person already has to the same number
    /// stands; a link to the person's own number ends (nobody is their own student).
    static func mergePartnerLinks(account: Int64, into person: Int64, db: SQLDatabase) throws {
        try db.execute(
            sql: """
                UPDATE partner_links SET status = 'unlinked', ended_by = 'merge'
                WHERE partner_id = ? AND status IN ('pending', 'active') AND (
                    student_phone = (SELECT phone FROM users WHERE id = ?)
                    OR student_phone IN (SELECT student_phone FROM partner_links
                                         WHERE partner_id = ? AND status IN ('pending', 'active')))
                """,
            arguments: [account, person, person])
        try db.execute(sql: "UPDATE partner_links SET partner_id = ? WHERE partner_id = ?", arguments: [person, account])
        try db.execute(sql: "UPDATE partner_broadcasts SET partner_id = ? WHERE partner_id = ?", arguments: [person, account])
        for table in ["tasks", "series"] {
            try db.execute(sql: "UPDATE \(table) SET assigned_by = ? WHERE assigned_by = ?", arguments: [person, account])
        }
    }
}
