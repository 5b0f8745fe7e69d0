import TaskPulseDomain

/// Short English for a repeat rule, as replies show it: "every weekday", "every 2 weeks on Tue",
/// "every last Fri of the month", "every 3 days after done, until Dec 31 2027".
extension Recurrence {
    /// The rule in a few words; an `UNTIL` date always shows its year.
    public var phrase: String { phrase(currentYear: nil) }

    /// The rule in a few words; an `UNTIL` date shows its year unless it is `currentYear`
    /// (`nil` always shows it).
    public func phrase(currentYear: Int?) -> String {
        var text = basePhrase
        if afterCompletion { text += " after done" }
        if let count { text += count == 1 ? ", once" : ", \(count) times" }
        if let untilDay { text += ", until " + Self.untilText(untilDay, currentYear: currentYear) }
        return text
    }

    /// `n` with its English ordinal suffix: "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st".
    public static func ordinal(_ n: Int) -> String {
        let magnitude = n.magnitude
        let suffix: String
        switch (magnitude % 100, magnitude % 10) {
        case (11...13, _): suffix = "th"
        case (_, 1): suffix = "st"
        case (_, 2): suffix = "nd"
        case (_, 3): suffix = "rd"
        default: suffix = "th"
        }
        return "\(n)\(suffix)"
    }

    // MARK: - The rule without its modifiers

    private var basePhrase: String {
        switch frequency {
        case .hourly: return every(interval, "hour")
        case .daily: return dailyPhrase
        case .weekly: return weeklyPhrase
        case .monthly: return monthlyPhrase
        case .yearly: return yearlyPhrase
        }
    }

    /// "every day", "every 3 days"; a daily rule limited to some weekdays reads like a weekly one.
    private var dailyPhrase: String {
        let days = plainWeekdays
        if days.isEmpty { return every(interval, "day") }
        if interval == 1 { return Self.everyDays(days) }
        return every(interval, "day") + " on " + Self.dayList(days)
    }

    /// "every week", "every Mon and Thu", "every weekday", "every 2 weeks on Tue".
    private var weeklyPhrase: String {
        let days = plainWeekdays
        if days.isEmpty { return every(interval, "week") }
        if interval == 1 { return Self.everyDays(days) }
        if days == Self.allDays { return "every day, " + every(interval, "week") }
        return every(interval, "week") + " on " + Self.onDays(days)
    }

    /// "every month on the 1st", "every month on the last day", "every 2nd Tue of the month",
    /// "every 2 months".
    private var monthlyPhrase: String {
        let base = every(interval, "month")
        if !byMonthDay.isEmpty {
            return base + " on the " + Self.joined(byMonthDay.map(Self.monthDayText))
        }
        if !byWeekday.isEmpty {
            let days = Self.joined(byWeekday.map(Self.positionedDay))
            return interval == 1 ? "every \(days) of the month" : base + " on " + weekdayArticle + days
        }
        return base
    }

    /// "every year on Mar 3", "every year on the 4th Thu of Nov", "every year in Jun", "every 2 years".
    private var yearlyPhrase: String {
        let base = every(interval, "year")
        let months = byMonth.filter { (1...12).contains($0) }
        let monthList = Self.joined(months.map { Self.monthNames[$0 - 1] })
        if !byMonthDay.isEmpty {
            guard !months.isEmpty else { return base + " on the " + Self.joined(byMonthDay.map(Self.monthDayText)) }
            let dates = months.flatMap { month in byMonthDay.map { Self.dateText(month: month, day: $0) } }
            return base + " on " + Self.joined(dates)
        }
        if !byWeekday.isEmpty {
            let days = weekdayArticle + Self.joined(byWeekday.map(Self.positionedDay))
            return months.isEmpty ? base + " on " + days : base + " on " + days + " of " + monthList
        }
        return months.isEmpty ? base : base + " in " + monthList
    }

    /// "every hour" for 1, "every 3 hours" otherwise.
    private func every(_ interval: Int, _ unit: String) -> String {
        interval == 1 ? "every \(unit)" : "every \(interval) \(unit)s"
    }

    /// The rule's weekdays without positions, sorted and without repeats.
    private var plainWeekdays: [Int] {
        Set(byWeekday.map(\.weekday).filter { (1...7).contains($0) }).sorted()
    }

    /// "the " before positioned weekdays ("the 2nd Tue"), nothing before plain ones ("Tue").
    private var weekdayArticle: String {
        byWeekday.allSatisfy { $0.ordinal != nil } ? "the " : ""
    }

    // MARK: - Words

    private static let dayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    private static let monthNames = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    private static let weekdays = [1, 2, 3, 4, 5]
    private static let weekend = [6, 7]
    private static let allDays = [1, 2, 3, 4, 5, 6, 7]

    /// For sorted weekdays (1 = Monday): "every weekday", "every weekend", "every day",
    /// "every day except Sun", "every Mon, Wed and Fri".
    private static func everyDays(_ days: [Int]) -> String {
        if days == weekdays { return "every weekday" }
        if days == weekend { return "every weekend" }
        if days == allDays { return "every day" }
        if days.count == 6, let missing = allDays.first(where: { !days.contains($0) }) {
            return "every day except " + dayName(missing)
        }
        return "every " + dayList(days)
    }

    /// After "every 2 weeks on": "weekdays", "the weekend", or the days listed.
    private static func onDays(_ days: [Int]) -> String {
        if days == weekdays { return "weekdays" }
        if days == weekend { return "the weekend" }
        return dayList(days)
    }

    /// "Mon", "Mon and Thu", "Mon, Wed and Fri".
    private static func dayList(_ days: [Int]) -> String { joined(days.map(dayName)) }

    private static func dayName(_ weekday: Int) -> String {
        (1...7).contains(weekday) ? dayNames[weekday - 1] : "day \(weekday)"
    }

    /// "2nd Tue", "last Fri", "2nd to last Fri", or "Tue" for every such weekday.
    private static func positionedDay(_ rule: WeekdayRule) -> String {
        let name = dayName(rule.weekday)
        guard let position = rule.ordinal else { return name }
        if position > 0 { return ordinal(position) + " " + name }
        return position == -1 ? "last " + name : ordinal(-position) + " to last " + name
    }

    /// A day of the month after "the": "1st", "last day", "2nd to last day".
    private static func monthDayText(_ day: Int) -> String {
        if day > 0 { return ordinal(day) }
        return day == -1 ? "last day" : ordinal(-day) + " to last day"
    }

    /// "Mar 3", "the last day of Feb".
    private static func dateText(month: Int, day: Int) -> String {
        let name = monthNames[month - 1]
        return day > 0 ? "\(name) \(day)" : "the " + monthDayText(day) + " of " + name
    }

    /// `yyyymmdd` as "Dec 31 2027", or "Dec 31" when the year is `currentYear`.
    private static func untilText(_ untilDay: Int, currentYear: Int?) -> String {
        let year = untilDay / 10_000
        let month = untilDay / 100 % 100
        let day = untilDay % 100
        guard (1...12).contains(month), (1...31).contains(day) else { return String(untilDay) }
        let text = "\(monthNames[month - 1]) \(day)"
        return year == currentYear ? text : "\(text) \(year)"
    }

    /// "a", "a and b", "a, b and c".
    private static func joined(_ items: [String]) -> String {
        guard let last = items.last, items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + last
    }
}
