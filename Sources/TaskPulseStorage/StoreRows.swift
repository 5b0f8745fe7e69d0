import Foundation
import TaskPulseDomain

/// Row mapping shared by both engines.
enum StoreRows {
    /// The digest kinds (one pending run per person and kind), for SQL `IN` lists.
    static let digestKinds = "('agenda', 'motivation', 'nudge', 'weekly', 'partner_weekly')"

    static let taskColumns = """
        id, user_id, number, title, status, priority, due_at, remind_at, time_zone, created_at, updated_at, \
        completed_at, series_id, (SELECT rrule FROM series WHERE series.id = tasks.series_id) AS rrule, assigned_by
        """
    static let userColumns = """
        id, phone, time_zone, opted_out_at, number_invalid_at, created_at, morning_minutes, morning_enabled, \
        evening_minutes, motivation_enabled, weekly_enabled, quiet_start_minutes, quiet_end_minutes, email, \
        email_verified_at, email_unsubscribed_at, email_token, reminder_channel, agenda_channel, motivation_channel, \
        nudge_channel, weekly_channel, login_email, display_name, partner_done_alerts, partner_overdue_alerts, \
        partner_weekly_enabled
        """
    static let deliveryColumns = """
        id, user_id, task_id, kind, due_at, status, attempts, body, provider_message_id, error_code, error_message, sent_at, \
        scheduled_for, channel, parent_id, payload
        """

    static func task(_ row: SQLRow) -> TaskItem {
        TaskItem(
            id: TaskID(row["id"]), userID: UserID(row["user_id"]), number: row["number"], title: row["title"],
            status: TaskStatus(rawValue: row["status"]) ?? .open,
            priority: (row["priority"] as Int?).flatMap(Priority.init(rawValue:)),
            dueAt: (row["due_at"] as Double?).map(Date.init(storageValue:)),
            remindAt: (row["remind_at"] as Double?).map(Date.init(storageValue:)),
            timeZoneID: row["time_zone"], createdAt: Date(storageValue: row["created_at"]),
            updatedAt: Date(storageValue: row["updated_at"]),
            completedAt: (row["completed_at"] as Double?).map(Date.init(storageValue:)),
            seriesID: row["series_id"], recurrence: (row["rrule"] as String?).flatMap(Recurrence.init(rrule:)),
            assignedBy: (row["assigned_by"] as Int64?).map(UserID.init))
    }

    static func user(_ row: SQLRow) -> User? {
        let phone = (row["phone"] as String?).flatMap(Phone.init)
        return User(
            id: UserID(row["id"]), phone: phone, timeZoneID: row["time_zone"],
            optedOutAt: (row["opted_out_at"] as Double?).map(Date.init(storageValue:)),
            numberInvalidAt: (row["number_invalid_at"] as Double?).map(Date.init(storageValue:)),
            createdAt: Date(storageValue: row["created_at"]),
            settings: UserSettings(
                morningMinutes: row["morning_minutes"], morningEnabled: row["morning_enabled"],
                eveningMinutes: row["evening_minutes"], motivationEnabled: row["motivation_enabled"],
                weeklyEnabled: row["weekly_enabled"], quietStartMinutes: row["quiet_start_minutes"],
                quietEndMinutes: row["quiet_end_minutes"]),
            channels: ChannelPreferences(
                reminder: choice(row["reminder_channel"]), agenda: choice(row["agenda_channel"]),
                motivation: choice(row["motivation_channel"]), nudge: choice(row["nudge_channel"]),
                weekly: choice(row["weekly_channel"])),
            email: EmailAddressState(
                address: row["email"], verifiedAt: (row["email_verified_at"] as Double?).map(Date.init(storageValue:)),
                unsubscribedAt: (row["email_unsubscribed_at"] as Double?).map(Date.init(storageValue:)),
                unsubscribeToken: row["email_token"]),
            loginEmail: row["login_email"], displayName: row["display_name"],
            partnerAlerts: PartnerAlertSettings(
                done: row["partner_done_alerts"], overdue: row["partner_overdue_alerts"],
                weekly: row["partner_weekly_enabled"]))
    }

    private static func choice(_ text: String?) -> ChannelChoice { text.flatMap(ChannelChoice.init(rawValue:)) ?? .sms }

    static func delivery(_ row: SQLRow) -> Delivery {
        Delivery(
            id: DeliveryID(row["id"]), userID: UserID(row["user_id"]),
            taskID: (row["task_id"] as Int64?).map(TaskID.init), kind: DeliveryKind(rawValue: row["kind"]) ?? .reminder,
            dueAt: Date(storageValue: row["due_at"]), status: DeliveryStatus(rawValue: row["status"]) ?? .pending,
            attempts: row["attempts"], body: row["body"], providerMessageID: row["provider_message_id"],
            errorCode: row["error_code"], errorMessage: row["error_message"],
            sentAt: (row["sent_at"] as Double?).map(Date.init(storageValue:)),
            scheduledFor: (row["scheduled_for"] as Double?).map(Date.init(storageValue:)),
            channel: DeliveryChannel(rawValue: row["channel"] ?? "sms") ?? .sms,
            parentID: (row["parent_id"] as Int64?).map(DeliveryID.init), payload: row["payload"])
    }

    // Built once: the statement cache is keyed by the SQL text, and interpolating it per call showed in profiles.
    private static let taskByID = "SELECT \(taskColumns) FROM tasks WHERE id = ?"
    private static let userByID = "SELECT \(userColumns) FROM users WHERE id = ?"
    static let deliveryByID = "SELECT \(deliveryColumns) FROM deliveries WHERE id = ?"

    static func fetchTask(_ db: SQLDatabase, id: TaskID) throws -> TaskItem? {
        try SQLRow.fetchOne(db, sql: taskByID, arguments: [id.rawValue]).map(task)
    }

    static func fetchUser(_ db: SQLDatabase, id: UserID) throws -> User? {
        try SQLRow.fetchOne(db, sql: userByID, arguments: [id.rawValue]).flatMap(user)
    }
}
