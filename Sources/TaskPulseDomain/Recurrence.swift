/// A repeat rule: the RFC 5545 RRULE subset of DESIGN §2, plus completion-based repeats.
///
/// The time of day is not part of the rule: it is the wall-clock start kept with the task, so
/// "every day 7am" stays 7am in the person's zone across DST.
public struct Recurrence: Sendable, Hashable, Codable {
    public enum Frequency: String, Sendable, Hashable, Codable {
        case hourly = "HOURLY"
        case daily = "DAILY"
        case weekly = "WEEKLY"
        case monthly = "MONTHLY"
        case yearly = "YEARLY"
    }

    /// A weekday in a rule, with an optional position in the month (`2TU` second Tuesday, `-1FR` last Friday).
    public struct WeekdayRule: Sendable, Hashable, Codable {
        /// 1 = Monday ... 7 = Sunday.
        public var weekday: Int
        /// 1...5 from the start of the month, -1...-5 from its end; `nil` for every such weekday.
        public var ordinal: Int?

        public init(weekday: Int, ordinal: Int? = nil) {
            self.weekday = weekday
            self.ordinal = ordinal
        }
    }

    public var frequency: Frequency
    public var interval: Int
    public var byWeekday: [WeekdayRule]
    /// Days of the month, 1...31 or -1 (the last day).
    public var byMonthDay: [Int]
    public var byMonth: [Int]
    /// `UNTIL` as `yyyymmdd`.
    public var untilDay: Int?
    /// How many occurrences in all (`COUNT`).
    public var count: Int?
    /// Counted from when the last occurrence was completed, not from the schedule (`every 3 days after done`).
    public var afterCompletion: Bool

    public init(
        frequency: Frequency, interval: Int = 1, byWeekday: [WeekdayRule] = [], byMonthDay: [Int] = [],
        byMonth: [Int] = [], untilDay: Int? = nil, count: Int? = nil, afterCompletion: Bool = false
    ) {
        self.frequency = frequency
        self.interval = max(1, interval)
        self.byWeekday = byWeekday
        self.byMonthDay = byMonthDay
        self.byMonth = byMonth
        self.untilDay = untilDay
        self.count = count
        self.afterCompletion = afterCompletion
    }

    static let weekdayCodes = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]

    /// The rule as RFC 5545 RRULE parts, without DTSTART (the corpus's `rrule`). A completion-based
    /// repeat adds the non-standard `X-AFTER-DONE=1`.
    public var rrule: String {
        var parts = ["FREQ=\(frequency.rawValue)"]
        if interval > 1 { parts.append("INTERVAL=\(interval)") }
        if !byWeekday.isEmpty {
            let days = byWeekday.map { ($0.ordinal.map(String.init) ?? "") + Recurrence.weekdayCodes[$0.weekday - 1] }
            parts.append("BYDAY=" + days.joined(separator: ","))
        }
        if !byMonth.isEmpty { parts.append("BYMONTH=" + byMonth.map(String.init).joined(separator: ",")) }
        if !byMonthDay.isEmpty { parts.append("BYMONTHDAY=" + byMonthDay.map(String.init).joined(separator: ",")) }
        if let untilDay { parts.append("UNTIL=\(untilDay)") }
        if let count { parts.append("COUNT=\(count)") }
        if afterCompletion { parts.append("X-AFTER-DONE=1") }
        return parts.joined(separator: ";")
    }

    /// Parses what ``rrule`` writes; `nil` for anything else.
    public init?(rrule: String) {
        var frequency: Frequency?
        var rule = Recurrence(frequency: .daily)
        for part in rrule.split(separator: ";") {
            let pieces = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pieces.count == 2 else { return nil }
            let values = pieces[1].split(separator: ",").map(String.init)
            switch pieces[0] {
            case "FREQ": frequency = Frequency(rawValue: pieces[1])
            case "INTERVAL": rule.interval = max(1, Int(pieces[1]) ?? 1)
            case "BYDAY":
                for value in values {
                    guard let index = Recurrence.weekdayCodes.firstIndex(of: String(value.suffix(2))) else { return nil }
                    let prefix = value.dropLast(2)
                    rule.byWeekday.append(WeekdayRule(weekday: index + 1, ordinal: prefix.isEmpty ? nil : Int(prefix)))
                }
            case "BYMONTH": rule.byMonth = values.compactMap { Int($0) }
            case "BYMONTHDAY": rule.byMonthDay = values.compactMap { Int($0) }
            case "UNTIL": rule.untilDay = Int(pieces[1].prefix(8))
            case "COUNT": rule.count = Int(pieces[1])
            case "X-AFTER-DONE": rule.afterCompletion = pieces[1] == "1"
            default: return nil
            }
        }
        guard let frequency else { return nil }
        rule.frequency = frequency
        self = rule
    }

    public static func == (lhs: Recurrence, rhs: Recurrence) -> Bool { lhs.rrule == rhs.rrule }
    public func hash(into hasher: inout Hasher) { hasher.combine(rrule) }

    enum CodingKeys: String, CodingKey { case rrule }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let text = try container.decode(String.self, forKey: .rrule)
        guard let rule = Recurrence(rrule: text) else {
            throw DecodingError.dataCorruptedError(forKey: .rrule, in: container, debugDescription: "bad RRULE \(text)")
        }
        self = rule
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rrule, forKey: .rrule)
    }
}
