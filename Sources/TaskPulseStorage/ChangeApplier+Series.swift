import Foundation
import TaskPulseDomain

/// A repeating series as stored.
struct SeriesRow {
    var id: Int64
    var title: String
    var priority: Priority?
    var rule: Recurrence
    var minutes: Int
    var timeZoneID: String
    var anchorDay: Int
    var occurrences: Int
    var active: Bool
    /// The partner who assigned the series (its occurrences are assigned too).
    var assignedBy: UserID?

    static func fetch(_ db: SQLDatabase, id: Int64) throws -> SeriesRow? {
        guard let row = try SQLRow.fetchOne(
            db,
            sql: """
                SELECT id, title, priority, rrule, time_minutes, time_zone, anchor_day, occurrences, active, assigned_by
                FROM series WHERE id = ?
                """,
            arguments: [id])
        else { return nil }
        guard let rule = Recurrence(rrule: row["rrule"]) else { return nil }
        return SeriesRow(
            id: row["id"], title: row["title"], priority: (row["priority"] as Int?).flatMap(Priority.init(rawValue:)),
            rule: rule, minutes: row["time_minutes"], timeZoneID: row["time_zone"], anchorDay: row["anchor_day"],
            occurrences: row["occurrences"], active: row["active"],
            assignedBy: (row["assigned_by"] as Int64?).map(UserID.init))
    }
}

/// Repeating tasks: a series row holds the rule; each occurrence is a task with its own reminder.
/// The next occurrence appears when one is completed, skipped, deleted or passes (DESIGN §2); an
/// older occurrence still open when a newer one comes due is marked missed, so the list holds at
/// most the current and the next occurrence.
extension ChangeApplier {
    /// Creates the series and its first occurrence (the draft's due time).
    mutating func insertSeries(_ draft: TaskDraft) throws -> TaskItem {
        guard let rule = draft.recurrence, let due = draft.dueAt else { return try insertTask(draft) }
        let minutes = draft.occurrenceMinutes ?? 540
        let anchor = calculator.localDayNumber(of: due, in: draft.timeZoneID)
        let seriesID = try db.insert(
            sql: """
                INSERT INTO series (user_id, title, priority, rrule, time_minutes, time_zone, anchor_day, occurrences,
                    active, created_at, assigned_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, 1, 1, ?, ?)
                """,
            arguments: [
                userID.rawValue, draft.title, draft.priority?.rawValue, rule.rrule, minutes, draft.timeZoneID, anchor,
                now.storageValue, draft.assignedBy?.rawValue,
            ])
        return try insertTask(draft, seriesID: seriesID)
    }

    /// The next occurrence after `occurrence`, created if it does not exist yet; `nil` when the series ended.
    mutating func ensureNextOccurrence(after occurrence: TaskItem) throws -> TaskItem? {
        guard let seriesID = occurrence.seriesID, let series = try SeriesRow.fetch(db, id: seriesID), series.active else {
            return nil
        }
        if let existing = try SQLRow.fetchOne(
            db,
            sql: """
                SELECT \(StoreRows.taskColumns) FROM tasks
                WHERE series_id = ? AND status = 'open' AND id != ? AND due_at > ? ORDER BY due_at LIMIT 1
                """,
            arguments: [seriesID, occurrence.id.rawValue, (occurrence.dueAt ?? now).storageValue])
        {
            return StoreRows.task(existing)
        }
        if let count = series.rule.count, series.occurrences >= count {
            try stopSeries(seriesID)
            return nil
        }
        let next: Date?
        if series.rule.afterCompletion {
            next = calculator.nextOccurrence(
                of: series.rule, atMinutes: series.minutes, in: series.timeZoneID, completedAt: now)
        } else {
            // A fixed schedule: late completion does not shift it, and occurrences already past are not replayed.
            let after = max(occurrence.dueAt ?? now, now)
            next = calculator.nextOccurrence(
                of: series.rule, atMinutes: series.minutes, in: series.timeZoneID, anchorDay: series.anchorDay,
                after: after)
        }
        guard let next else {
            try stopSeries(seriesID)
            return nil
        }
        try db.execute(sql: "UPDATE series SET occurrences = occurrences + 1 WHERE id = ?", arguments: [seriesID])
        let draft = TaskDraft(
            title: series.title, priority: series.priority, dueAt: next, remindAt: next, timeZoneID: series.timeZoneID,
            assignedBy: series.assignedBy)
        let preferred = occurrence.status == .open ? nil : occurrence.number
        return try insertTask(draft, seriesID: seriesID, number: preferred)
    }

    func stopSeries(_ seriesID: Int64) throws {
        try db.execute(sql: "UPDATE series SET active = 0 WHERE id = ?", arguments: [seriesID])
    }

    /// The next `count` occurrences after a new repeating task's first one, for the reply.
    func upcomingOccurrences(of task: TaskItem, count: Int) throws -> [Date] {
        guard let seriesID = task.seriesID, let series = try SeriesRow.fetch(db, id: seriesID),
            let first = task.dueAt
        else { return [] }
        if series.rule.afterCompletion { return [first] }
        var result = [first]
        while result.count < count, let next = calculator.nextOccurrence(
            of: series.rule, atMinutes: series.minutes, in: series.timeZoneID, anchorDay: series.anchorDay,
            after: result.last!)
        {
            if let limit = series.rule.count, result.count >= limit { break }
            result.append(next)
        }
        return result
    }

    /// An occurrence's time has come (its reminder was handled): older open occurrences of its series
    /// become missed, and the next occurrence is created so it gets its own reminder.
    mutating func occurrencePassed(_ occurrence: TaskItem) throws {
        guard let seriesID = occurrence.seriesID else { return }
        let older = try SQLRow.fetchAll(
            db,
            sql: """
                SELECT \(StoreRows.taskColumns) FROM tasks
                WHERE series_id = ? AND status = 'open' AND id != ? AND due_at < ?
                """,
            arguments: [seriesID, occurrence.id.rawValue, (occurrence.dueAt ?? now).storageValue]
        ).map(StoreRows.task)
        try finish(older, status: .missed)
        if occurrence.status == .open { _ = try ensureNextOccurrence(after: occurrence) }
    }
}
