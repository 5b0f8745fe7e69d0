import Foundation
import TaskPulseDomain

/// Twilio's status callbacks: a sent message delivered or failed, applied even when the callback
/// beats the send result to the database.
extension SQLTaskStore {
    public func recordProviderStatus(
        providerMessageID: String, status: ProviderStatus, errorCode: String?, now: Date
    ) async throws -> Bool {
        try await write { db in
            guard let row = try SQLRow.fetchOne(
                db, sql: "SELECT id FROM deliveries WHERE provider_message_id = ?", arguments: [providerMessageID])
            else {
                // A callback can beat the send result to the database: keep it until the result is recorded.
                if status != .inFlight {
                    try db.execute(
                        sql: """
                            INSERT INTO early_statuses (message_sid, status, error_code, received_at) VALUES (?, ?, ?, ?)
                            ON CONFLICT(message_sid) DO UPDATE SET status = excluded.status, error_code = excluded.error_code
                            """,
                        arguments: [providerMessageID, status == .delivered ? "delivered" : "failed", errorCode, now.storageValue])
                }
                return false
            }
            try SQLTaskStore.applyProviderStatus(db, deliveryID: row["id"], status: status, errorCode: errorCode, now: now)
            return true
        }
    }

    /// Applies a status parked before its delivery's send result was recorded.
    static func applyEarlyStatus(_ db: SQLDatabase, providerMessageID: String, deliveryID: Int64, now: Date) throws {
        guard let row = try SQLRow.fetchOne(
            db, sql: "SELECT status, error_code FROM early_statuses WHERE message_sid = ?", arguments: [providerMessageID])
        else { return }
        try db.execute(sql: "DELETE FROM early_statuses WHERE message_sid = ?", arguments: [providerMessageID])
        let status: ProviderStatus = (row["status"] as String) == "delivered" ? .delivered : .failed
        try applyProviderStatus(db, deliveryID: deliveryID, status: status, errorCode: row["error_code"], now: now)
    }

    /// A status never moves backwards (twilio.md §5): only a message still marked sent can move on.
    static func applyProviderStatus(
        _ db: SQLDatabase, deliveryID id: Int64, status: ProviderStatus, errorCode: String?, now: Date
    ) throws {
        guard let current = try String.fetchOne(db, sql: "SELECT status FROM deliveries WHERE id = ?", arguments: [id]),
            current == DeliveryStatus.sent.rawValue
        else { return }
        switch status {
        case .inFlight:
            return
        case .delivered:
            try db.execute(
                sql: "UPDATE deliveries SET status = 'delivered', updated_at = ? WHERE id = ?",
                arguments: [now.storageValue, id])
        case .failed:
            try db.execute(
                sql: "UPDATE deliveries SET status = 'failed', error_code = ?, error_message = ?, updated_at = ? WHERE id = ?",
                arguments: [errorCode, "carrier reported undelivered", now.storageValue, id])
            // A consent request's row is the partner's, but it went to the invited number: never mark the partner.
            let isLinkRequest = try String.fetchOne(db, sql: "SELECT kind FROM deliveries WHERE id = ?", arguments: [id])
                == DeliveryKind.linkRequest.rawValue
            if isLinkRequest { return }
            if errorCode == "21610" {
                try markOptedOut(db, deliveryID: id, wording: "Twilio status callback 21610", now: now)
            } else if let code = errorCode, ["21211", "21614", "30005", "30006"].contains(code) {
                try markNumberInvalid(db, deliveryID: id, now: now)
            }
        }
    }

    /// The provider says the delivery's person opted out: mark them and keep the consent record.
    static func markOptedOut(_ db: SQLDatabase, deliveryID: Int64, wording: String, now: Date) throws {
        try db.execute(
            sql: """
                UPDATE users SET opted_out_at = COALESCE(opted_out_at, ?)
                WHERE id = (SELECT user_id FROM deliveries WHERE id = ?)
                """,
            arguments: [now.storageValue, deliveryID])
        try db.execute(
            sql: """
                INSERT INTO consent_events (phone, kind, source, wording, at)
                SELECT u.phone, 'opt_out', 'provider', ?, ? FROM users u
                JOIN deliveries d ON d.user_id = u.id WHERE d.id = ?
                """,
            arguments: [wording, now.storageValue, deliveryID])
    }

    /// The provider says the delivery's number cannot take SMS.
    static func markNumberInvalid(_ db: SQLDatabase, deliveryID: Int64, now: Date) throws {
        try db.execute(
            sql: """
                UPDATE users SET number_invalid_at = COALESCE(number_invalid_at, ?)
                WHERE id = (SELECT user_id FROM deliveries WHERE id = ?)
                """,
            arguments: [now.storageValue, deliveryID])
    }
}
