import Foundation

/// When a task is due and when its reminder goes out, resolved from a ``WhenPhrase``.
public struct Schedule: Sendable, Equatable {
    /// The due instant.
    public var dueAt: Date
    /// The reminder instant; `nil` when a deadline's reminder moment has already passed.
    public var remindAt: Date?
    /// A deadline (`by friday`) rather than an appointment.
    public var isDeadline: Bool
    /// Where the text could mean two things, which reading was taken (the reply says so).
    public var readings: [Reading]

    public init(dueAt: Date, remindAt: Date?, isDeadline: Bool, readings: [Reading] = []) {
        self.dueAt = dueAt
        self.remindAt = remindAt
        self.isDeadline = isDeadline
        self.readings = readings
    }
}

/// A choice the resolver made between two readings of a phrase (DESIGN §2: the reply says which).
public enum Reading: Sendable, Equatable {
    /// A clock hour without am/pm (`9`, `11:30`): `hour` is the 24-hour reading taken.
    case clockWithoutMeridiem(hour: Int, minute: Int)
    /// A slash date that is a date both ways (`5/1`): the month and day taken.
    case slashDate(text: String, month: Int, day: Int)
}

/// Why a date/time phrase cannot be scheduled.
public enum ScheduleError: Error, Sendable, Equatable {
    /// The date does not exist (`feb 30`).
    case badDate
    /// The date and time are in the past (`2025-03-01`, `today 9am` at 10:15).
    case pastDate
}

/// Turns a ``WhenPhrase`` into instants, with DESIGN §2's resolution rules, in one zone.
public struct ScheduleResolver: Sendable {
    public var zone: TimeZone
    /// The person's morning time: date-only tasks are due then, deadlines remind then.
    public var morningTime: LocalTime

    public init(zone: TimeZone, morningTime: LocalTime = LocalTime(hour: 9, minute: 0)!) {
        self.zone = zone
        self.morningTime = morningTime
    }

    /// Resolves `phrase` as said at `now`; `nil` when the phrase holds no date or time.
    public func resolve(_ phrase: WhenPhrase, now: Date) throws(ScheduleError) -> Schedule? {
        if phrase.invalidDate { throw .badDate }
        if let seconds = phrase.elapsedSeconds {
            let due = now.addingTimeInterval(TimeInterval(seconds))
            return Schedule(dueAt: due, remindAt: due, isDeadline: false)
        }
        guard !phrase.isEmpty else { return nil }
        let nowLocal = ZonedTime.local(now, in: zone)
        let today = nowLocal.date
        let due: Date
        if let day = phrase.day {
            due = try resolve(day: day, phrase: phrase, now: now, nowLocal: nowLocal)
        } else {
            due = resolveTimeOnly(phrase, now: now, today: today)
        }
        let readings = self.readings(phrase, due: due)
        if phrase.isDeadline
            || (phrase.day != nil && phrase.clock == nil && phrase.partOfDay == nil
                && !isDaysFromToday(phrase.day))
        {
            // Deadlines and date-only tasks remind at the morning time of the due day, if still ahead.
            let dueDay = ZonedTime.local(due, in: zone).date
            let remind = instant(dueDay, morningTime)
            let reminder = remind > now && remind <= due ? remind : nil
            return Schedule(
                dueAt: due, remindAt: reminder, isDeadline: phrase.isDeadline || reminder == nil, readings: readings)
        }
        return Schedule(dueAt: due, remindAt: due, isDeadline: false, readings: readings)
    }

    /// The readings taken where the phrase was ambiguous.
    private func readings(_ phrase: WhenPhrase, due: Date) -> [Reading] {
        var result: [Reading] = []
        let local = ZonedTime.local(due, in: zone)
        if let clock = phrase.clock, !clock.isUnambiguous, (1...11).contains(clock.hour) {
            result.append(.clockWithoutMeridiem(hour: local.time.hour, minute: local.time.minute))
        }
        if let numbers = phrase.slashNumbers {
            result.append(.slashDate(text: "\(numbers.first)/\(numbers.second)", month: local.date.month, day: local.date.day))
        }
        return result
    }

    /// The local date a day phrase names (for `until dec 31`), rolling forward like a due date would.
    public func date(for day: WhenPhrase.Day, now: Date) throws(ScheduleError) -> LocalDate {
        var phrase = WhenPhrase()
        phrase.day = day
        phrase.isDeadline = true  // a whole day: "until friday" includes Friday
        let nowLocal = ZonedTime.local(now, in: zone)
        return ZonedTime.local(try resolve(day: day, phrase: phrase, now: now, nowLocal: nowLocal), in: zone).date
    }

    private func isDaysFromToday(_ day: WhenPhrase.Day?) -> Bool {
        if case .daysFromToday = day { return true }
        return false
    }

    private func instant(_ date: LocalDate, _ time: LocalTime) -> Date {
        ZonedTime.instant(LocalDateTime(date: date, time: time), in: zone)
    }

    /// A clock time with no day: the next time it comes round (DESIGN §2).
    private func resolveTimeOnly(_ phrase: WhenPhrase, now: Date, today: LocalDate) -> Date {
        let clock =
            phrase.clock
            ?? WhenPhrase.Clock(
                hour: (phrase.partOfDay ?? morningTime).hour, minute: (phrase.partOfDay ?? morningTime).minute,
                isUnambiguous: true)
        for candidate in candidates(clock) {
            let date = instant(today, candidate)
            if date > now { return date }
        }
        return instant(today.adding(days: 1), candidates(clock)[0])
    }

    /// The readings of a clock time, in order of preference: `9` is 9:00 then 21:00.
    private func candidates(_ clock: WhenPhrase.Clock) -> [LocalTime] {
        let first = LocalTime(hour: clock.hour, minute: clock.minute)!
        if clock.isUnambiguous || clock.hour >= 12 { return [first] }
        return [first, LocalTime(hour: clock.hour + 12, minute: clock.minute)!]
    }

    private func timeOfDay(_ phrase: WhenPhrase, on date: LocalDate, now: Date, nowLocal: LocalDateTime) -> LocalTime {
        if let clock = phrase.clock {
            let options = candidates(clock)
            // On today, an ambiguous hour that has passed means the evening (`9` at 10:15 -> 21:00).
            if date == nowLocal.date, let ahead = options.first(where: { instant(date, $0) > now }) { return ahead }
            return options[0]
        }
        if let part = phrase.partOfDay { return part }
        if phrase.isDeadline { return LocalTime(hour: 23, minute: 59)! }
        if case .daysFromToday = phrase.day { return nowLocal.time }
        return morningTime
    }

    private func resolve(
        day: WhenPhrase.Day, phrase: WhenPhrase, now: Date, nowLocal: LocalDateTime
    ) throws(ScheduleError) -> Date {
        let today = nowLocal.date
        func at(_ date: LocalDate) -> Date { instant(date, timeOfDay(phrase, on: date, now: now, nowLocal: nowLocal)) }
        switch day {
        case .today:
            let due = at(today)
            if due <= now {
                // "today" with no time after the morning time: due by the end of today.
                if phrase.clock == nil && phrase.partOfDay == nil && !phrase.isDeadline {
                    return instant(today, LocalTime(hour: 23, minute: 59)!)
                }
                throw .pastDate
            }
            return due
        case .tomorrow:
            return at(today.adding(days: 1))
        case .daysFromToday(let days):
            return at(today.adding(days: days))
        case .weekday(let weekday, let strictlyAfterToday):
            var delta = (weekday - today.isoWeekday + 7) % 7
            if delta == 0 && strictlyAfterToday { delta = 7 }
            var due = at(today.adding(days: delta))
            if due <= now { due = at(today.adding(days: delta + 7)) }
            return due
        case .weekend:
            // The coming Saturday, or today on a weekend day; Sunday if Saturday's time has passed.
            let weekday = today.isoWeekday
            let saturday = today.adding(days: weekday >= 6 ? (weekday == 6 ? 0 : -1) : 6 - weekday)
            for date in [saturday, saturday.adding(days: 1)] where date >= today {
                let due = at(date)
                if due > now { return due }
            }
            throw .pastDate
        case .date(let date):
            let due = at(date)
            if due <= now { throw .pastDate }
            return due
        case .monthDay(let month, let dayNumber):
            for year in [today.year, today.year + 1, today.year + 2, today.year + 3, today.year + 4] {
                guard let date = LocalDate(year: year, month: month, day: dayNumber) else {
                    // Feb 29: only a leap year has it; a year without is refused (DESIGN §2).
                    if year == today.year { throw .badDate }
                    continue
                }
                let due = at(date)
                if due > now { return due }
            }
            throw .badDate
        case .dayOfMonth(let dayNumber):
            var year = today.year
            var month = today.month
            for _ in 0..<13 {
                if let date = LocalDate(year: year, month: month, day: dayNumber) {
                    let due = at(date)
                    if due > now { return due }
                }
                month += 1
                if month > 12 {
                    month = 1
                    year += 1
                }
            }
            throw .badDate
        }
    }
}

extension DateOrder {
    /// The date order people in `zone` write: month first in the United States and Canada.
    public static func forZone(_ identifier: String) -> DateOrder {
        if identifier.hasPrefix("US/") || identifier.hasPrefix("Canada/") || identifier.hasPrefix("America/Indiana/")
            || identifier.hasPrefix("America/Kentucky/") || identifier.hasPrefix("America/North_Dakota/")
            || northAmericanZones.contains(identifier)
        {
            return .monthFirst
        }
        return .dayFirst
    }

    private static let northAmericanZones: Set<String> = [
        "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Phoenix",
        "America/Anchorage", "America/Juneau", "America/Sitka", "America/Yakutat", "America/Nome",
        "America/Metlakatla", "America/Adak", "America/Boise", "America/Detroit", "America/Menominee",
        "Pacific/Honolulu", "America/Toronto", "America/Vancouver", "America/Edmonton", "America/Winnipeg",
        "America/Halifax", "America/St_Johns", "America/Regina", "America/Moncton", "America/Glace_Bay",
        "America/Goose_Bay", "America/Whitehorse", "America/Dawson", "America/Dawson_Creek", "America/Fort_Nelson",
        "America/Creston", "America/Yellowknife", "America/Inuvik", "America/Iqaluit", "America/Rankin_Inlet",
        "America/Resolute", "America/Cambridge_Bay", "America/Swift_Current", "America/Atikokan",
        "America/Blanc-Sablon", "America/Thunder_Bay", "America/Nipigon", "America/Rainy_River",
        "America/Montreal", "America/Puerto_Rico", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT",
    ]
}
