import Crypto
import Foundation
import TaskPulseDomain

/// Secrets in email links: random, URL-safe, stored as hashes where the store only needs to recognise them.
public enum EmailTokens {
    /// A new 256-bit secret, base64url without padding.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return base64URL(Data(bytes))
    }

    /// Base64url without padding (RFC 4648 §5).
    public static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The bytes of base64url text, padded or not; `nil` when it is not base64url.
    public static func base64URLDecoded(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }

    /// The SHA-256 of a secret, hex.
    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

extension SQLTaskStore {
    public func pendingEmailVerification(token: String, now: Date) async throws -> PendingEmailVerification? {
        try await read { db in
            try SQLRow.fetchOne(
                db,
                sql: """
                    SELECT user_id, address, expires_at FROM email_verifications
                    WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?
                    """,
                arguments: [EmailTokens.hash(token), now.storageValue]
            ).map {
                PendingEmailVerification(
                    userID: UserID($0["user_id"]), address: $0["address"], expiresAt: Date(storageValue: $0["expires_at"]))
            }
        }
    }

    public func confirmEmail(token: String, now: Date) async throws -> EmailConfirmation {
        try await write { db in
            guard
                let row = try SQLRow.fetchOne(
                    db, sql: "SELECT id, user_id, address, expires_at, used_at FROM email_verifications WHERE token_hash = ?",
                    arguments: [EmailTokens.hash(token)])
            else { return .invalid }
            let address: String = row["address"]
            let userID: Int64 = row["user_id"]
            if row["used_at"] as Double? != nil {
                let current = try String.fetchOne(db, sql: "SELECT email FROM users WHERE id = ?", arguments: [userID])
                return current?.lowercased() == address.lowercased() ? .alreadyUsed(address: address) : .invalid
            }
            guard (row["expires_at"] as Double) > now.storageValue else { return .invalid }
            try db.execute(
                sql: "UPDATE email_verifications SET used_at = ? WHERE id = ?", arguments: [now.storageValue, row["id"] as Int64])
            // A new unsubscribe secret with every confirmed address: links in mail to an old address stop working.
            try db.execute(
                sql: """
                    UPDATE users SET email = ?, email_verified_at = ?, email_unsubscribed_at = NULL, email_token = ?
                    WHERE id = ?
                    """,
                arguments: [address, now.storageValue, EmailTokens.make(), userID])
            try db.execute(
                sql: "INSERT INTO email_events (user_id, address, kind, source, at) VALUES (?, ?, 'verified', 'link', ?)",
                arguments: [userID, address, now.storageValue])
            return .confirmed(address: address)
        }
    }

    public func unsubscribeEmail(token: String, now: Date) async throws -> String? {
        try await write { db in
            guard !token.isEmpty,
                let row = try SQLRow.fetchOne(
                    db, sql: "SELECT id, email, email_unsubscribed_at FROM users WHERE email_token = ?", arguments: [token]),
                let address = row["email"] as String?
            else { return nil }
            // The address asked for no more email: every person who confirmed it stops, not only this one.
            let holders = try Int64.fetchAll(
                db, sql: "SELECT id FROM users WHERE lower(email) = lower(?) AND email_unsubscribed_at IS NULL",
                arguments: [address])
            for id in holders {
                let userID = UserID(id)
                try db.execute(
                    sql: "UPDATE users SET email_unsubscribed_at = ? WHERE id = ?", arguments: [now.storageValue, id])
                try db.execute(
                    sql: """
                        INSERT INTO email_events (user_id, address, kind, source, at) VALUES (?, ?, 'unsubscribed', 'one-click', ?)
                        """,
                    arguments: [id, address, now.storageValue])
                try SQLTaskStore.cancelPendingEmail(db, userID: userID, reason: "unsubscribed from email", now: now)
            }
            return address
        }
    }

    public func emailAddresses(userID: UserID) async throws -> [String] {
        try await read { db in
            let confirmed = try String.fetchAll(
                db, sql: "SELECT email FROM users WHERE id = ? AND email IS NOT NULL", arguments: [userID.rawValue])
            let asked = try String.fetchAll(
                db, sql: "SELECT DISTINCT address FROM email_verifications WHERE user_id = ?", arguments: [userID.rawValue])
            return Array(Set(confirmed + asked)).sorted()
        }
    }

    /// Email rows still waiting for this person stop (unsubscribe, address removed).
    static func cancelPendingEmail(_ db: SQLDatabase, userID: UserID, reason: String, now: Date) throws {
        let stopped = try Int64.fetchAll(
            db, sql: "SELECT id FROM deliveries WHERE user_id = ? AND channel = 'email' AND status = 'pending'",
            arguments: [userID.rawValue])
        try db.execute(
            sql: """
                UPDATE deliveries SET status = 'suppressed', error_message = ?, updated_at = ?
                WHERE user_id = ? AND channel = 'email' AND status = 'pending'
                """,
            arguments: [reason, now.storageValue, userID.rawValue])
        // Reminders that were going by email only go by text instead.
        for id in stopped { try afterEmailCopyEnded(db, deliveryID: id, now: now) }
    }

    public func scheduleMissingDigests(now: Date) async throws -> Int {
        let calculator = self.calculator
        var total = 0
        var afterID: Int64 = 0
        // In batches, so a large database never holds the writer for long.
        while true {
            let start = afterID
            let (count, lastID) = try await write { db -> (Int, Int64?) in
                let ids = try Int64.fetchAll(
                    db,
                    sql: """
                        SELECT u.id FROM users u
                        WHERE u.id > ? AND (
                            (u.morning_enabled = 1 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.user_id = u.id
                                AND d.kind = 'agenda' AND d.channel = 'sms' AND d.status IN ('pending', 'sending')))
                         OR (u.motivation_enabled = 1 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.user_id = u.id
                                AND d.kind = 'motivation' AND d.channel = 'sms' AND d.status IN ('pending', 'sending')))
                         OR (u.weekly_enabled = 1 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.user_id = u.id
                                AND d.kind = 'weekly' AND d.channel = 'sms' AND d.status IN ('pending', 'sending')))
                         OR (u.partner_weekly_enabled = 1
                             AND EXISTS (SELECT 1 FROM partner_links l WHERE l.partner_id = u.id AND l.status = 'active')
                             AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.user_id = u.id
                                AND d.kind = 'partner_weekly' AND d.channel = 'sms' AND d.status IN ('pending', 'sending'))))
                        ORDER BY u.id LIMIT 500
                        """,
                    arguments: [start])
                let scheduler = DigestScheduler(db: db, now: now, calculator: calculator)
                for id in ids {
                    if let user = try StoreRows.fetchUser(db, id: UserID(id)) { try scheduler.ensureScheduled(user) }
                }
                return (ids.count, ids.last)
            }
            total += count
            guard let lastID, count == 500 else { break }
            afterID = lastID
        }
        return total
    }
}
