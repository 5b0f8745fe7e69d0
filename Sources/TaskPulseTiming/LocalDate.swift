/// A calendar date with no zone: what a person means by "dec 3".
///
/// Arithmetic uses the proleptic Gregorian calendar through day numbers, so it needs no
/// Foundation `Calendar` and behaves the same on every platform.
public struct LocalDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Creates a date, returning `nil` when it does not exist (`feb 30`, `13/13`).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= LocalDate.daysIn(month: month, year: year) else {
            return nil
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Creates the date `dayNumber` days after 1970-01-01.
    public init(dayNumber: Int) {
        // Howard Hinnant's civil_from_days.
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        self.month = month
        self.day = day
    }

    /// Days since 1970-01-01 (negative before).
    public var dayNumber: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The day of the week, 1 = Monday ... 7 = Sunday (ISO 8601).
    public var isoWeekday: Int {
        let weekday = (dayNumber + 3) % 7  // 1970-01-01 was a Thursday (index 3 from Monday)
        return (weekday < 0 ? weekday + 7 : weekday) + 1
    }

    /// The date `days` days later (earlier when negative).
    public func adding(days: Int) -> LocalDate { LocalDate(dayNumber: dayNumber + days) }

    /// Whether `year` has a 29th of February.
    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    /// The number of days in `month` of `year`.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool { lhs.dayNumber < rhs.dayNumber }

    /// `YYYY-MM-DD`.
    public var description: String { "\(pad(year, 4))-\(pad(month))-\(pad(day))" }
}

/// A time of day with minute precision.
public struct LocalTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let hour: Int
    public let minute: Int

    public init?(hour: Int, minute: Int) {
        guard (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        self.hour = hour
        self.minute = minute
    }

    /// Minutes since midnight.
    public var minuteOfDay: Int { hour * 60 + minute }

    public static func < (lhs: LocalTime, rhs: LocalTime) -> Bool { lhs.minuteOfDay < rhs.minuteOfDay }

    /// `HH:MM`.
    public var description: String { "\(pad(hour)):\(pad(minute))" }

    public static let midnight = LocalTime(hour: 0, minute: 0)!
    public static let noon = LocalTime(hour: 12, minute: 0)!
}

/// A wall-clock moment with no zone.
public struct LocalDateTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let date: LocalDate
    public let time: LocalTime

    public init(date: LocalDate, time: LocalTime) {
        self.date = date
        self.time = time
    }

    /// Seconds since 1970-01-01T00:00 as if this wall time were UTC.
    public var secondsAsIfUTC: Int { date.dayNumber * 86_400 + time.minuteOfDay * 60 }

    /// Creates the wall time `seconds` after 1970-01-01T00:00 (seconds within the minute dropped).
    public init(secondsAsIfUTC seconds: Int) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        self.date = LocalDate(dayNumber: days)
        self.time = LocalTime(hour: rest / 3600, minute: (rest % 3600) / 60)!
    }

    public static func < (lhs: LocalDateTime, rhs: LocalDateTime) -> Bool { lhs.secondsAsIfUTC < rhs.secondsAsIfUTC }

    /// `YYYY-MM-DDTHH:MM`, the corpus's local format.
    public var description: String { "\(date)T\(time)" }

    /// Parses `YYYY-MM-DDTHH:MM` with optional `:SS` (seconds ignored).
    public init?(iso text: String) {
        let parts = text.split(separator: "T")
        guard parts.count == 2 else { return nil }
        let dateParts = parts[0].split(separator: "-").compactMap { Int($0) }
        let timeParts = parts[1].split(separator: ":").compactMap { Int($0) }
        guard dateParts.count == 3, timeParts.count >= 2,
            let date = LocalDate(year: dateParts[0], month: dateParts[1], day: dateParts[2]),
            let time = LocalTime(hour: timeParts[0], minute: timeParts[1])
        else { return nil }
        self.init(date: date, time: time)
    }
}

func pad(_ value: Int, _ width: Int = 2) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
