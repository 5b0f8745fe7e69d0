import Foundation
import TaskPulseDomain

/// Occurrences of a ``Recurrence`` at a wall-clock time in an IANA zone (DESIGN §3). Pure.
///
/// Every occurrence is the rule's local time on a matching date, converted with ``ZonedTime``: a
/// time inside a DST gap moves forward by the gap, a repeated time takes its first occurrence.
/// Intervals count from `anchor`, the date of the first occurrence, so completing late never
/// shifts a fixed schedule.
public struct RecurrenceCalculator: Sendable {
    public var rule: Recurrence
    public var zone: TimeZone
    public var time: LocalTime
    /// The first occurrence's date; intervals (every 2 weeks) count from it.
    public var anchor: LocalDate

    public init(rule: Recurrence, zone: TimeZone, time: LocalTime, anchor: LocalDate) {
        self.rule = rule
        self.zone = zone
        self.time = time
        self.anchor = anchor
    }

    /// How far ahead to look for a matching date (Feb 29 yearly rules need up to 8 years).
    static let searchDays = 366 * 9

    /// The first occurrence strictly after `instant` ignoring the interval, used to start a series.
    public static func first(
        rule: Recurrence, zone: TimeZone, time: LocalTime, after instant: Date
    ) -> Date? {
        if rule.frequency == .hourly {
            return instant.addingTimeInterval(TimeInterval(rule.interval * 3600))
        }
        let today = ZonedTime.local(instant, in: zone).date
        var probe = RecurrenceCalculator(rule: rule, zone: zone, time: time, anchor: today)
        probe.rule.interval = 1
        return probe.next(after: instant)
    }

    /// The next occurrence strictly after `instant`, or `nil` when the rule has ended (`UNTIL`).
    public func next(after instant: Date) -> Date? {
        if rule.frequency == .hourly {
            // Elapsed hours from the anchor instant: "every 3 hours" is a fixed stride, not wall-clock.
            let start = ZonedTime.instant(LocalDateTime(date: anchor, time: time), in: zone)
            let stride = TimeInterval(rule.interval * 3600)
            let steps = max(0, (instant.timeIntervalSince(start) / stride).rounded(.down) + 1)
            let next = start.addingTimeInterval(steps * stride)
            return withinUntil(ZonedTime.local(next, in: zone).date) ? next : nil
        }
        var date = max(ZonedTime.local(instant, in: zone).date, anchor)
        for _ in 0..<RecurrenceCalculator.searchDays {
            guard withinUntil(date) else { return nil }
            if matches(date) {
                let candidate = ZonedTime.instant(LocalDateTime(date: date, time: time), in: zone)
                if candidate > instant { return candidate }
            }
            date = date.adding(days: 1)
        }
        return nil
    }

    /// The next `count` occurrences after `instant`.
    public func upcoming(after instant: Date, count: Int) -> [Date] {
        var result: [Date] = []
        var cursor = instant
        while result.count < count, let next = next(after: cursor) {
            result.append(next)
            cursor = next
        }
        return result
    }

    /// For a completion-based repeat: the next occurrence, counted from when the last one was done.
    public func nextAfterCompletion(at completion: Date) -> Date {
        let completedDay = ZonedTime.local(completion, in: zone).date
        let days: Int
        switch rule.frequency {
        case .hourly: return completion.addingTimeInterval(TimeInterval(rule.interval * 3600))
        case .daily: days = rule.interval
        case .weekly: days = rule.interval * 7
        case .monthly: return addingMonths(rule.interval, to: completedDay)
        case .yearly: return addingMonths(rule.interval * 12, to: completedDay)
        }
        return ZonedTime.instant(LocalDateTime(date: completedDay.adding(days: days), time: time), in: zone)
    }

    private func addingMonths(_ months: Int, to date: LocalDate) -> Date {
        let total = date.year * 12 + (date.month - 1) + months
        let year = total / 12, month = total % 12 + 1
        let day = min(date.day, LocalDate.daysIn(month: month, year: year))
        return ZonedTime.instant(LocalDateTime(date: LocalDate(year: year, month: month, day: day)!, time: time), in: zone)
    }

    private func withinUntil(_ date: LocalDate) -> Bool {
        guard let until = rule.untilDay else { return true }
        return date.year * 10_000 + date.month * 100 + date.day <= until
    }

    /// Whether an occurrence falls on `date`.
    public func matches(_ date: LocalDate) -> Bool {
        guard date >= anchor else { return false }
        switch rule.frequency {
        case .hourly:
            return true
        case .daily:
            guard (date.dayNumber - anchor.dayNumber) % rule.interval == 0 else { return false }
            return rule.byWeekday.isEmpty || rule.byWeekday.contains { $0.weekday == date.isoWeekday }
        case .weekly:
            let weeks = (monday(of: date).dayNumber - monday(of: anchor).dayNumber) / 7
            guard weeks % rule.interval == 0 else { return false }
            if rule.byWeekday.isEmpty { return date.isoWeekday == anchor.isoWeekday }
            return rule.byWeekday.contains { $0.weekday == date.isoWeekday }
        case .monthly:
            let months = (date.year - anchor.year) * 12 + date.month - anchor.month
            guard months % rule.interval == 0 else { return false }
            return matchesDayInMonth(date, defaultDay: anchor.day)
        case .yearly:
            guard (date.year - anchor.year) % rule.interval == 0 else { return false }
            let months = rule.byMonth.isEmpty ? [anchor.month] : rule.byMonth
            guard months.contains(date.month) else { return false }
            return matchesDayInMonth(date, defaultDay: anchor.day)
        }
    }

    private func matchesDayInMonth(_ date: LocalDate, defaultDay: Int) -> Bool {
        let length = LocalDate.daysIn(month: date.month, year: date.year)
        if !rule.byMonthDay.isEmpty {
            // RFC 5545: a day a month lacks (the 31st in April) is skipped; -1 is the last day.
            return rule.byMonthDay.contains { $0 > 0 ? $0 == date.day : length + $0 + 1 == date.day }
        }
        if !rule.byWeekday.isEmpty {
            return rule.byWeekday.contains { day in
                guard day.weekday == date.isoWeekday else { return false }
                guard let ordinal = day.ordinal else { return true }
                return ordinal > 0 ? (date.day - 1) / 7 + 1 == ordinal : (length - date.day) / 7 + 1 == -ordinal
            }
        }
        return date.day == defaultDay
    }

    private func monday(of date: LocalDate) -> LocalDate { date.adding(days: 1 - date.isoWeekday) }
}
