import Foundation
import TaskPulseDomain
import TaskPulseStorage

/// The settings the SMS commands change, as a screen sends them. Absent fields stay as they are.
struct SettingsInput: Decodable, Sendable {
    var timeZone: String?
    var quietStart: String?
    var quietEnd: String?
    var quietEnabled: Bool?
    var morningTime: String?
    var morningEnabled: Bool?
    var eveningTime: String?
    var motivationEnabled: Bool?
    var weeklyEnabled: Bool?
    var channels: [String: String]?
    /// The name students see; an empty string clears it (issue 7).
    var displayName: String?
    /// A partner's alerts about their students: `done`, `overdue`, `weekly`.
    var studentAlerts: [String: Bool]?

    enum CodingKeys: String, CodingKey {
        case timeZone = "time_zone", quietStart = "quiet_start", quietEnd = "quiet_end", quietEnabled = "quiet_enabled"
        case morningTime = "morning_time", morningEnabled = "morning_enabled", eveningTime = "evening_time"
        case motivationEnabled = "motivation_enabled", weeklyEnabled = "weekly_enabled", channels
        case displayName = "display_name", studentAlerts = "student_alerts"
    }
}

extension SelfService {
    /// Checks every field first, then applies them all: a request with one bad field changes nothing.
    func updateSettings(_ userID: UserID, _ input: SettingsInput) async throws -> User {
        var changes: [TaskChange] = []
        if let zone = input.timeZone {
            guard TimeZone(identifier: zone) != nil else { throw FieldError.invalid("time_zone", "time_zone is not an IANA time zone") }
            changes.append(.settings(.timeZone(zone)))
        }
        if input.quietEnabled == false {
            changes.append(.settings(.quiet(startMinutes: nil, endMinutes: nil)))
        } else if input.quietStart != nil || input.quietEnd != nil {
            guard let start = input.quietStart.flatMap(Self.minutes) else { throw FieldError.invalid("quiet_start", "quiet_start is HH:MM") }
            guard let end = input.quietEnd.flatMap(Self.minutes) else { throw FieldError.invalid("quiet_end", "quiet_end is HH:MM") }
            guard start != end else { throw FieldError.invalid("quiet_end", "quiet hours cannot start and end at the same time") }
            changes.append(.settings(.quiet(startMinutes: start, endMinutes: end)))
        }
        if input.morningTime != nil || input.morningEnabled != nil {
            let minutes = try input.morningTime.map { text in
                guard let value = Self.minutes(text) else { throw FieldError.invalid("morning_time", "morning_time is HH:MM") }
                return value
            }
            changes.append(.settings(.morning(minutes: minutes, enabled: input.morningEnabled)))
        }
        if input.eveningTime != nil || input.motivationEnabled != nil {
            let minutes = try input.eveningTime.map { text in
                guard let value = Self.minutes(text) else { throw FieldError.invalid("evening_time", "evening_time is HH:MM") }
                return value
            }
            changes.append(.settings(.evening(minutes: minutes, enabled: input.motivationEnabled)))
        }
        if let weekly = input.weeklyEnabled { changes.append(.settings(.weekly(enabled: weekly))) }
        for (name, value) in (input.channels ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let kind = DeliveryKind(rawValue: name), ChannelPreferences.routableKinds.contains(kind) else {
                throw FieldError.invalid("channels.\(name)", "channels take reminder, agenda, nudge, motivation and weekly")
            }
            guard let choice = ChannelChoice(rawValue: value) else {
                throw FieldError.invalid("channels.\(name)", "a channel is sms, email or both")
            }
            changes.append(.setChannels([kind], choice))
        }
        if let name = input.displayName {
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty, let problem = PartnerNames.problem(displayName: name) {
                throw FieldError.invalid("display_name", problem)
            }
            changes.append(.partner(.displayName(trimmed.isEmpty ? nil : trimmed)))
        }
        if let alerts = input.studentAlerts {
            for name in alerts.keys.sorted() where !["done", "overdue", "weekly"].contains(name) {
                throw FieldError.invalid("student_alerts.\(name)", "student_alerts take done, overdue and weekly")
            }
            changes.append(.partner(.alerts(done: alerts["done"], overdue: alerts["overdue"], weekly: alerts["weekly"])))
        }
        let now = clock.now()
        for change in changes { _ = try await store.applyChange(change, userID: userID, now: now) }
        if !changes.isEmpty { wakeup.signal() }
        return try await user(userID)
    }

    /// A page of the deliveries log, newest first; the cursor is the last id shown.
    func deliveries(_ userID: UserID, limit limitText: String?, cursor: String?) async throws
        -> (items: [Delivery], nextCursor: String?)
    {
        var limit = 50
        if let text = limitText, !text.isEmpty {
            guard let value = Int(text), (1...200).contains(value) else { throw FieldError.invalid("limit", "limit is 1 to 200") }
            limit = value
        }
        var before: Int64?
        if let text = cursor, !text.isEmpty {
            guard let value = Int64(text), value > 0 else { throw FieldError.invalid("cursor", "cursor is not valid") }
            before = value
        }
        let rows = try await store.deliveryLog(userID: userID, beforeID: before.map(DeliveryID.init), limit: limit + 1)
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? page.last.map { String($0.id.rawValue) } : nil
        return (page, next)
    }

    /// "07:30" -> 450.
    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count <= 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
            (0..<24).contains(hour), (0..<60).contains(minute)
        else { return nil }
        return hour * 60 + minute
    }
}
