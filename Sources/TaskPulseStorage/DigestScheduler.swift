import Foundation
import TaskPulseDomain

/// Each person's digests are outbox rows whose due time is the next run of their schedule (DESIGN §4):
/// one indexed query finds what is due for everyone, and each run writes the next in the same
/// transaction. Times are the person's local times, held back past quiet hours (DESIGN §3).
struct DigestScheduler {
    let db: SQLDatabase
    let now: Date
    let calculator: any OccurrenceCalculating

    /// How long after a task's due time it counts as overdue for a nudge.
    static let nudgeGrace: TimeInterval = 3600
    /// How far back a task's time may be for it to count as newly overdue.
    static let newlyOverdueWindow: TimeInterval = 86_400
    /// The weekly report's local time: Sunday 20:00.
    static let weeklyMinutes = 20 * 60
    /// The partner's weekly summary of their students: Sunday 19:00, before their own report.
    static let partnerWeeklyMinutes = 19 * 60

    func hasActiveStudents(_ user: User) throws -> Bool {
        try Bool.fetchOne(
            db, sql: "SELECT EXISTS (SELECT 1 FROM partner_links WHERE partner_id = ? AND status = 'active')",
            arguments: [user.id.rawValue]) ?? false
    }

    /// Makes sure every enabled digest of the person has its next run in the outbox.
    /// - Returns: whether a run was missing and has been written.
    @discardableResult
    func ensureScheduled(_ user: User) throws -> Bool {
        // Two indexed lookups (the pending digest index, the small set of rows being sent) rather than a
        // scan of every delivery the person ever had, which every text paid for before. The unary plus
        // keeps SQLite's planner off the per-person index for the second part.
        let pending = Set(
            try String.fetchAll(
                db,
                sql: """
                    SELECT kind FROM deliveries
                    WHERE user_id = ? AND status = 'pending'
                        AND kind IN ('agenda', 'motivation', 'nudge', 'weekly', 'partner_weekly') AND channel = 'sms'
                    UNION ALL
                    SELECT kind FROM deliveries
                    WHERE status = 'sending' AND +user_id = ? AND kind != 'reminder' AND channel = 'sms'
                    """,
                arguments: [user.id.rawValue, user.id.rawValue]))
        var wrote = false
        for kind in [DeliveryKind.agenda, .motivation, .weekly, .partnerWeekly] where !pending.contains(kind.rawValue) {
            if try schedule(kind, for: user, after: now) { wrote = true }
        }
        if !pending.contains(DeliveryKind.nudge.rawValue), try scheduleNudge(for: user) { wrote = true }
        return wrote
    }

    /// Replaces the pending run of `kind` (after a settings change).
    func reschedule(_ kinds: [DeliveryKind], for user: User) throws {
        for kind in kinds {
            try db.execute(
                sql: """
                    UPDATE deliveries SET status = 'canceled', error_message = 'rescheduled', updated_at = ?
                    WHERE user_id = ? AND kind = ? AND status = 'pending' AND channel = 'sms'
                    """,
                arguments: [now.storageValue, user.id.rawValue, kind.rawValue])
            if kind == .nudge { try scheduleNudge(for: user) } else { try schedule(kind, for: user, after: now) }
        }
    }

    /// Writes the next run of a daily or weekly digest after `instant`, if the person has it on.
    /// - Returns: whether a run was written.
    @discardableResult
    func schedule(_ kind: DeliveryKind, for user: User, after instant: Date) throws -> Bool {
        let settings = user.settings
        let rule: Recurrence
        let minutes: Int
        switch kind {
        case .agenda:
            guard settings.morningEnabled else { return false }
            (rule, minutes) = (Recurrence(frequency: .daily), settings.morningMinutes)
        case .motivation:
            guard settings.motivationEnabled else { return false }
            (rule, minutes) = (Recurrence(frequency: .daily), settings.eveningMinutes)
        case .weekly:
            guard settings.weeklyEnabled else { return false }
            rule = Recurrence(frequency: .weekly, byWeekday: [Recurrence.WeekdayRule(weekday: 7)])
            minutes = DigestScheduler.weeklyMinutes
        case .partnerWeekly:
            // Only for a partner with a student who said yes (issue 7).
            guard user.partnerAlerts.weekly, try hasActiveStudents(user) else { return false }
            rule = Recurrence(frequency: .weekly, byWeekday: [Recurrence.WeekdayRule(weekday: 7)])
            minutes = DigestScheduler.partnerWeeklyMinutes
        case .nudge:
            return try scheduleNudge(for: user)
        case .reminder, .emailVerification, .phoneCode, .linkRequest, .assignment, .partnerAlert, .partnerMessage:
            return false
        }
        let anchor = calculator.localDayNumber(of: instant, in: user.timeZoneID)
        guard var next = calculator.nextOccurrence(
            of: rule, atMinutes: minutes, in: user.timeZoneID, anchorDay: anchor, after: instant)
        else { return false }
        // One per day (per week for the report): after "morning 10am" at 9:30, today's agenda has been sent.
        if let last = try Double.fetchOne(
            db,
            sql: """
                SELECT MAX(scheduled_for) FROM deliveries
                WHERE user_id = ? AND kind = ? AND status IN ('sent', 'delivered', 'failed', 'canceled')
                    AND channel = 'sms' AND (status != 'canceled' OR error_message = ?)
                """,
            arguments: [user.id.rawValue, kind.rawValue, SQLTaskStore.sentByEmail])
        {
            let lastDay = calculator.localDayNumber(of: Date(storageValue: last), in: user.timeZoneID)
            let period = kind == .weekly || kind == .partnerWeekly ? 7 : 1
            if calculator.localDayNumber(of: next, in: user.timeZoneID) - lastDay < period,
                let later = calculator.nextOccurrence(
                    of: rule, atMinutes: minutes, in: user.timeZoneID, anchorDay: anchor, after: next)
            {
                next = later
            }
        }
        try insert(kind, for: user, scheduledFor: next)
        return true
    }

    /// The next nudge: when the earliest not-yet-nudged task is an hour overdue (or now, if one already is).
    @discardableResult
    func scheduleNudge(for user: User) throws -> Bool {
        guard let at = try nextNudgeTime(for: user) else { return false }
        try insert(.nudge, for: user, scheduledFor: at)
        return true
    }

    /// When the next nudge is due: an hour after the earliest task not nudged yet, or `nil` for none.
    private func nextNudgeTime(for user: User) throws -> Date? {
        // Nobody is nudged who cannot be reached; START reschedules (ensureScheduled on the next text).
        let textable = !user.isOptedOut && user.numberInvalidAt == nil
        let emailable = user.email.isUsable && user.channels.nudge.includesEmail
        guard textable || emailable else { return nil }
        // Only tasks that became overdue lately: the agenda already lists the old ones every morning.
        guard let earliest = try Double.fetchOne(
            db,
            sql: """
                SELECT MIN(due_at) FROM tasks
                WHERE user_id = ? AND status = 'open' AND due_at IS NOT NULL AND nudged_at IS NULL AND due_at >= ?
                """,
            arguments: [user.id.rawValue, now.addingTimeInterval(-DigestScheduler.newlyOverdueWindow).storageValue])
        else { return nil }
        return max(Date(storageValue: earliest).addingTimeInterval(DigestScheduler.nudgeGrace), now)
    }

    /// Keeps the pending nudge at the earliest task that could become overdue; leaves the row alone
    /// when it is already right (most texts change nothing about it).
    func refreshNudge(for user: User) throws {
        let wanted = try nextNudgeTime(for: user)
        let pending = try Double.fetchAll(
            db, sql: "SELECT scheduled_for FROM deliveries WHERE user_id = ? AND kind = 'nudge' AND status = 'pending' AND channel = 'sms'",
            arguments: [user.id.rawValue])
        if let wanted, pending == [wanted.storageValue] { return }
        if wanted == nil, pending.isEmpty { return }
        try db.execute(
            sql: """
                UPDATE deliveries SET status = 'canceled', error_message = 'rescheduled', updated_at = ?
                WHERE user_id = ? AND kind = 'nudge' AND status = 'pending' AND channel = 'sms'
                """,
            arguments: [now.storageValue, user.id.rawValue])
        if let wanted { try insert(.nudge, for: user, scheduledFor: wanted) }
    }

    private func insert(_ kind: DeliveryKind, for user: User, scheduledFor: Date) throws {
        let dueAt = heldPastQuietHours(scheduledFor, user: user)
        try db.execute(
            sql: """
                INSERT INTO deliveries (user_id, kind, due_at, scheduled_for, status, created_at, updated_at)
                VALUES (?, ?, ?, ?, 'pending', ?, ?)
                ON CONFLICT DO NOTHING
                """,
            arguments: [
                user.id.rawValue, kind.rawValue, dueAt.storageValue, scheduledFor.storageValue, now.storageValue,
                now.storageValue,
            ])
    }

    /// The instant itself, or the end of the person's quiet hours when it falls inside them.
    func heldPastQuietHours(_ instant: Date, user: User) -> Date {
        guard let start = user.settings.quietStartMinutes, let end = user.settings.quietEndMinutes, start != end else {
            return instant
        }
        let day = calculator.localDayNumber(of: instant, in: user.timeZoneID)
        let minute = calculator.localMinuteOfDay(of: instant, in: user.timeZoneID)
        let inside = start < end ? (minute >= start && minute < end) : (minute >= start || minute < end)
        guard inside else { return instant }
        return calculator.nextOccurrence(
            of: Recurrence(frequency: .daily), atMinutes: end, in: user.timeZoneID, anchorDay: day - 1, after: instant)
            ?? instant
    }
}
