import Foundation
import TaskPulseDomain

/// The email channel from a person's texts (issue 5): confirm an address by a link, route kinds of
/// messages to SMS, email or both, forget the address.
extension ChangeApplier {
    /// Confirmation links one person may ask for in a day, and one address may receive in a day.
    static let verificationsPerPersonPerDay = 3
    static let verificationsPerAddressPerDay = 5
    /// How long a confirmation link works.
    static let verificationLifetime: TimeInterval = 86_400

    mutating func requestEmail(_ address: String, token: String) throws -> ChangeOutcome {
        guard let user = try StoreRows.fetchUser(db, id: userID) else { return .recorded }
        if user.email.isUsable, user.email.address?.lowercased() == address.lowercased() {
            return .emailAlreadyConfirmed(address: address)
        }
        let dayAgo = now.addingTimeInterval(-86_400).storageValue
        let byPerson = try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM email_verifications WHERE user_id = ? AND created_at > ?",
            arguments: [userID.rawValue, dayAgo]) ?? 0
        let byAddress = try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM email_verifications WHERE lower(address) = lower(?) AND created_at > ?",
            arguments: [address, dayAgo]) ?? 0
        guard byPerson < Self.verificationsPerPersonPerDay, byAddress < Self.verificationsPerAddressPerDay else {
            return .emailRateLimited
        }
        // Only the newest link works.
        try db.execute(
            sql: "UPDATE email_verifications SET expires_at = ? WHERE user_id = ? AND used_at IS NULL AND expires_at > ?",
            arguments: [now.storageValue, userID.rawValue, now.storageValue])
        try db.execute(
            sql: """
                INSERT INTO email_verifications (user_id, address, token_hash, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?)
                """,
            arguments: [
                userID.rawValue, address, EmailTokens.hash(token), now.storageValue,
                now.addingTimeInterval(Self.verificationLifetime).storageValue,
            ])
        let payload = String(
            decoding: try JSONEncoder().encode(EmailVerificationPayload(address: address, token: token)), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT INTO deliveries (user_id, kind, channel, payload, due_at, status, created_at, updated_at)
                VALUES (?, 'email_verification', 'email', ?, ?, 'pending', ?, ?)
                """,
            arguments: [userID.rawValue, payload, now.storageValue, now.storageValue, now.storageValue])
        scheduledDelivery = true
        return .emailVerificationSent(address: address)
    }

    mutating func removeEmail() throws -> ChangeOutcome {
        guard let user = try StoreRows.fetchUser(db, id: userID) else { return .recorded }
        if let address = user.email.address {
            try db.execute(
                sql: "INSERT INTO email_events (user_id, address, kind, source, at) VALUES (?, ?, 'removed', 'sms', ?)",
                arguments: [userID.rawValue, address, now.storageValue])
        }
        try db.execute(
            sql: """
                UPDATE users SET email = NULL, email_verified_at = NULL, email_unsubscribed_at = NULL, email_token = NULL
                WHERE id = ?
                """,
            arguments: [userID.rawValue])
        try db.execute(
            sql: "UPDATE email_verifications SET expires_at = ? WHERE user_id = ? AND used_at IS NULL AND expires_at > ?",
            arguments: [now.storageValue, userID.rawValue, now.storageValue])
        try SQLTaskStore.cancelPendingEmail(db, userID: userID, reason: "email removed", now: now)
        return .emailRemoved(address: user.email.address)
    }

    func emailStatus() throws -> ChangeOutcome {
        guard let user = try StoreRows.fetchUser(db, id: userID) else { return .recorded }
        let pending = try String.fetchOne(
            db,
            sql: """
                SELECT address FROM email_verifications WHERE user_id = ? AND used_at IS NULL AND expires_at > ?
                ORDER BY id DESC LIMIT 1
                """,
            arguments: [userID.rawValue, now.storageValue])
        return .emailStatus(user, pendingAddress: pending)
    }

    func setChannels(_ kinds: [DeliveryKind], _ choice: ChannelChoice) throws -> ChangeOutcome {
        for kind in kinds {
            guard let column = Self.channelColumn(kind) else { continue }
            try db.execute(sql: "UPDATE users SET \(column) = ? WHERE id = ?", arguments: [choice.rawValue, userID.rawValue])
        }
        return try emailStatus()
    }

    static func channelColumn(_ kind: DeliveryKind) -> String? {
        switch kind {
        case .reminder: "reminder_channel"
        case .agenda: "agenda_channel"
        case .motivation: "motivation_channel"
        case .nudge: "nudge_channel"
        case .weekly: "weekly_channel"
        case .emailVerification, .phoneCode, .linkRequest, .assignment, .partnerAlert, .partnerMessage, .partnerWeekly: nil
        }
    }
}
