import TaskPulseDomain

/// A repeat phrase found in a text, before "until" is resolved against now.
public struct RecurrencePhrase: Sendable, Equatable {
    public var rule: Recurrence
    /// `until dec 31`: the last day, still to be resolved.
    public var until: WhenPhrase.Day?
    /// A time of day the phrase itself implies (`every morning`).
    public var partOfDay: LocalTime?

    public init(rule: Recurrence, until: WhenPhrase.Day? = nil, partOfDay: LocalTime? = nil) {
        self.rule = rule
        self.until = until
        self.partOfDay = partOfDay
    }
}

/// Finds repeat phrases (DESIGN §2): `daily`, `every weekday`, `every mon and thu`, `every 2 weeks on tue`,
/// `every month on the 1st`, `every 15th`, `every year on mar 3`, `every 3 hours`, `every 2nd tue`,
/// `last friday of the month`, `every day except sunday`, `every 3 days after done`, with
/// `until <date>` or `for N times`.
public struct RecurrenceScanner: Sendable {
    public var dateOrder: DateOrder

    public init(dateOrder: DateOrder) {
        self.dateOrder = dateOrder
    }

    /// The repeat phrase in `tokens` and the indices it used; `nil` when there is none.
    public func scan(_ tokens: [Token]) -> (phrase: RecurrencePhrase, consumed: Set<Int>)? {
        // "every ..." wins over a lone "weekly"/"daily", which may be part of a title ("weekly review every friday").
        let everyFirst = tokens.indices.filter { ["every", "each"].contains(tokens[$0].word) }
            + tokens.indices.filter { !["every", "each"].contains(tokens[$0].word) }
        for index in everyFirst {
            guard let (found, length) = matchStart(tokens, at: index) else { continue }
            var phrase = found
            var consumed = Set(index..<(index + length))
            var position = index + length
            // Trailing modifiers, in any order: after done, until <date>, for N times.
            var progressed = true
            while progressed && position < tokens.count {
                progressed = false
                if let extra = matchModifiers(tokens, at: position, into: &phrase) {
                    consumed.formUnion(position..<(position + extra))
                    position += extra
                    progressed = true
                }
            }
            // Modifiers elsewhere in the text ("every day 7am walk until dec 31").
            var other = 0
            while other < tokens.count {
                if !consumed.contains(other), let extra = matchModifiers(tokens, at: other, into: &phrase) {
                    consumed.formUnion(other..<(other + extra))
                    other += extra
                } else {
                    other += 1
                }
            }
            return (phrase, consumed)
        }
        return nil
    }

    // MARK: - The rule itself

    private func matchStart(_ tokens: [Token], at index: Int) -> (RecurrencePhrase, Int)? {
        let word = tokens[index].word
        switch word {
        case "daily": return (RecurrencePhrase(rule: Recurrence(frequency: .daily)), 1)
        case "weekly": return (RecurrencePhrase(rule: Recurrence(frequency: .weekly)), 1)
        case "monthly": return (RecurrencePhrase(rule: Recurrence(frequency: .monthly)), 1)
        case "yearly", "annually": return (RecurrencePhrase(rule: Recurrence(frequency: .yearly)), 1)
        case "hourly": return (RecurrencePhrase(rule: Recurrence(frequency: .hourly)), 1)
        case "every", "each":
            guard let (phrase, length) = matchEvery(tokens, at: index + 1) else { return nil }
            return (phrase, length + 1)
        case "last":
            // "last friday of the month" without "every".
            guard let (phrase, length) = matchNthWeekday(tokens, at: index) else { return nil }
            return (phrase, length)
        default:
            return nil
        }
    }

    static let weekdays = (1...5).map { Recurrence.WeekdayRule(weekday: $0) }
    static let weekend = [Recurrence.WeekdayRule(weekday: 6), Recurrence.WeekdayRule(weekday: 7)]

    private func matchEvery(_ tokens: [Token], at index: Int) -> (RecurrencePhrase, Int)? {
        guard index < tokens.count else { return nil }
        let word = tokens[index].word
        switch word {
        case "day":
            if let (except, length) = matchExcept(tokens, at: index + 1) {
                let days = (1...7).filter { !except.contains($0) }.map { Recurrence.WeekdayRule(weekday: $0) }
                return (RecurrencePhrase(rule: Recurrence(frequency: .weekly, byWeekday: days)), length + 1)
            }
            return (RecurrencePhrase(rule: Recurrence(frequency: .daily)), 1)
        case "weekday", "weekdays", "workday", "workdays":
            return (RecurrencePhrase(rule: Recurrence(frequency: .weekly, byWeekday: RecurrenceScanner.weekdays)), 1)
        case "weekend", "weekends":
            return (RecurrencePhrase(rule: Recurrence(frequency: .weekly, byWeekday: RecurrenceScanner.weekend)), 1)
        case "morning", "afternoon", "evening", "night":
            let part = WhenPhraseScanner.partOfDay(word)
            return (RecurrencePhrase(rule: Recurrence(frequency: .daily), partOfDay: part), 1)
        case "hour":
            return (RecurrencePhrase(rule: Recurrence(frequency: .hourly)), 1)
        case "week":
            let (days, length) = weekdayList(tokens, at: index + 1, allowOn: true)
            return (RecurrencePhrase(rule: Recurrence(frequency: .weekly, byWeekday: days)), 1 + length)
        case "month":
            if let (rule, length) = monthDaySpec(tokens, at: index + 1, interval: 1) { return (rule, 1 + length) }
            return (RecurrencePhrase(rule: Recurrence(frequency: .monthly)), 1)
        case "year":
            if let (rule, length) = yearDaySpec(tokens, at: index + 1, interval: 1) { return (rule, 1 + length) }
            return (RecurrencePhrase(rule: Recurrence(frequency: .yearly)), 1)
        case "other":
            // "every other week", "every other tuesday", "every other day"
            guard index + 1 < tokens.count else { return nil }
            return matchInterval(2, unitAt: index + 1, tokens).map { ($0.0, $0.1 + 1) }
        default:
            break
        }
        if WhenPhraseScanner.weekday(RecurrenceScanner.singular(word)) != nil {
            let (days, length) = weekdayList(tokens, at: index, allowOn: false)
            return (RecurrencePhrase(rule: Recurrence(frequency: .weekly, byWeekday: days)), length)
        }
        if let nth = matchNthWeekday(tokens, at: index) { return nth }
        if word == "last", index + 1 < tokens.count, tokens[index + 1].word == "day" {
            let length = 2 + ofTheMonthLength(tokens, at: index + 2)
            return (RecurrencePhrase(rule: Recurrence(frequency: .monthly, byMonthDay: [-1])), length)
        }
        if let day = WhenPhraseScanner.ordinal(word, requireSuffix: true) {
            let length = 1 + ofTheMonthLength(tokens, at: index + 1)
            return (RecurrencePhrase(rule: Recurrence(frequency: .monthly, byMonthDay: [day])), length)
        }
        if let amount = WhenPhraseScanner.amount(word), amount > 0, amount <= 1000, index + 1 < tokens.count {
            return matchInterval(amount, unitAt: index + 1, tokens).map { ($0.0, $0.1 + 1) }
        }
        if let (amount, unit) = WhenPhraseScanner.splitAmount(word), amount > 0, amount <= 1000 {
            let unitToken = Token(Substring(unit))
            return matchInterval(amount, unitAt: 0, [unitToken] + tokens[(index + 1)...]).map { ($0.0, $0.1) }
        }
        return nil
    }

    /// "2 weeks [on tue]", "3 days", "3 hours", "2 months [on the 1st]", "2 years"; also a weekday after "other".
    private func matchInterval(_ amount: Int, unitAt index: Int, _ tokens: [Token]) -> (RecurrencePhrase, Int)? {
        guard index < tokens.count else { return nil }
        let unit = RecurrenceScanner.singular(tokens[index].word)
        switch unit {
        case "hour", "hr", "h":
            return (RecurrencePhrase(rule: Recurrence(frequency: .hourly, interval: amount)), 1)
        case "day", "d":
            return (RecurrencePhrase(rule: Recurrence(frequency: .daily, interval: amount)), 1)
        case "week", "wk", "w":
            let (days, length) = weekdayList(tokens, at: index + 1, allowOn: true)
            return (RecurrencePhrase(rule: Recurrence(frequency: .weekly, interval: amount, byWeekday: days)), 1 + length)
        case "month":
            if let (phrase, length) = monthDaySpec(tokens, at: index + 1, interval: amount) { return (phrase, 1 + length) }
            return (RecurrencePhrase(rule: Recurrence(frequency: .monthly, interval: amount)), 1)
        case "year":
            if let (phrase, length) = yearDaySpec(tokens, at: index + 1, interval: amount) { return (phrase, 1 + length) }
            return (RecurrencePhrase(rule: Recurrence(frequency: .yearly, interval: amount)), 1)
        default:
            if WhenPhraseScanner.weekday(unit) != nil {
                let (days, length) = weekdayList(tokens, at: index, allowOn: false)
                return (RecurrencePhrase(rule: Recurrence(frequency: .weekly, interval: amount, byWeekday: days)), length)
            }
            return nil
        }
    }

    /// "mon and thu", "mon, wed & fri", "on tuesdays"; `allowOn` permits a leading "on".
    private func weekdayList(_ tokens: [Token], at index: Int, allowOn: Bool) -> ([Recurrence.WeekdayRule], Int) {
        var position = index
        if allowOn, position < tokens.count, tokens[position].word == "on" { position += 1 }
        var days: [Recurrence.WeekdayRule] = []
        var end = index
        while position < tokens.count {
            let word = tokens[position].word
            let pieces = word.split(separator: ",").map { RecurrenceScanner.singular(String($0)) }
            let parsed = pieces.compactMap(WhenPhraseScanner.weekday)
            if !pieces.isEmpty, parsed.count == pieces.count {
                for day in parsed where !days.contains(where: { $0.weekday == day }) {
                    days.append(Recurrence.WeekdayRule(weekday: day))
                }
                position += 1
                end = position
            } else if !days.isEmpty, ["and", "&", ","].contains(word) {
                position += 1
            } else {
                break
            }
        }
        return (days.sorted { $0.weekday < $1.weekday }, days.isEmpty ? 0 : end - index)
    }

    /// "on the 1st", "on the 15th", "on the last day", "on the 2nd tue" after "every month".
    private func monthDaySpec(_ tokens: [Token], at index: Int, interval: Int) -> (RecurrencePhrase, Int)? {
        var position = index
        if position < tokens.count, tokens[position].word == "on" { position += 1 }
        if position < tokens.count, tokens[position].word == "the" { position += 1 }
        guard position < tokens.count else { return nil }
        let word = tokens[position].word
        if word == "last", position + 1 < tokens.count, tokens[position + 1].word == "day" {
            return (RecurrencePhrase(rule: Recurrence(frequency: .monthly, interval: interval, byMonthDay: [-1])),
                    position + 2 - index)
        }
        if let (phrase, length) = matchNthWeekday(tokens, at: position) {
            var rule = phrase.rule
            rule.interval = interval
            return (RecurrencePhrase(rule: rule), position + length - index)
        }
        if let day = WhenPhraseScanner.ordinal(word, requireSuffix: position == index) {
            return (RecurrencePhrase(rule: Recurrence(frequency: .monthly, interval: interval, byMonthDay: [day])),
                    position + 1 - index)
        }
        return nil
    }

    /// "on mar 3", "on 3 march" after "every year".
    private func yearDaySpec(_ tokens: [Token], at index: Int, interval: Int) -> (RecurrencePhrase, Int)? {
        var position = index
        if position < tokens.count, tokens[position].word == "on" { position += 1 }
        guard position + 1 < tokens.count else { return nil }
        let first = tokens[position].word, second = tokens[position + 1].word
        if let month = WhenPhraseScanner.month(first), let day = WhenPhraseScanner.ordinal(second) {
            return (RecurrencePhrase(rule: Recurrence(frequency: .yearly, interval: interval, byMonthDay: [day], byMonth: [month])),
                    position + 2 - index)
        }
        if let day = WhenPhraseScanner.ordinal(first), let month = WhenPhraseScanner.month(second) {
            return (RecurrencePhrase(rule: Recurrence(frequency: .yearly, interval: interval, byMonthDay: [day], byMonth: [month])),
                    position + 2 - index)
        }
        return nil
    }

    /// "2nd tue", "second tuesday", "last friday", each optionally followed by "of the month".
    private func matchNthWeekday(_ tokens: [Token], at index: Int) -> (RecurrencePhrase, Int)? {
        guard index + 1 < tokens.count else { return nil }
        let word = tokens[index].word
        let ordinals = ["first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
                        "fifth": 5, "5th": 5, "last": -1]
        guard let ordinal = ordinals[word],
            let weekday = WhenPhraseScanner.weekday(RecurrenceScanner.singular(tokens[index + 1].word))
        else { return nil }
        let length = 2 + ofTheMonthLength(tokens, at: index + 2)
        let rule = Recurrence(frequency: .monthly, byWeekday: [Recurrence.WeekdayRule(weekday: weekday, ordinal: ordinal)])
        return (RecurrencePhrase(rule: rule), length)
    }

    /// "of the month" / "of every month" / "each month", if present.
    private func ofTheMonthLength(_ tokens: [Token], at index: Int) -> Int {
        let words = tokens[min(index, tokens.count)...].prefix(3).map(\.word)
        if words.count >= 3, words[0] == "of", ["the", "every", "each"].contains(words[1]), words[2] == "month" { return 3 }
        if words.count >= 2, ["each", "every"].contains(words[0]), words[1] == "month" { return 2 }
        return 0
    }

    /// "except sunday", "except sat and sun".
    private func matchExcept(_ tokens: [Token], at index: Int) -> (Set<Int>, Int)? {
        guard index < tokens.count, ["except", "but", "excluding"].contains(tokens[index].word) else { return nil }
        let (days, length) = weekdayList(tokens, at: index + 1, allowOn: false)
        guard !days.isEmpty else { return nil }
        return (Set(days.map(\.weekday)), length + 1)
    }

    // MARK: - Modifiers

    private func matchModifiers(_ tokens: [Token], at index: Int, into phrase: inout RecurrencePhrase) -> Int? {
        let word = tokens[index].word
        let next = index + 1 < tokens.count ? tokens[index + 1].word : nil
        if word == "after", let next, ["done", "completion", "completed", "finishing", "i"].contains(next) {
            // "after done", "after completion", "after i finish"
            var length = 2
            if next == "i", index + 2 < tokens.count, ["finish", "complete", "do"].contains(tokens[index + 2].word) {
                length = 3
            } else if next == "i" {
                return nil
            }
            phrase.rule.afterCompletion = true
            return length
        }
        if word == "until" || word == "till" || word == "through", phrase.until == nil {
            let scanner = WhenPhraseScanner(dateOrder: dateOrder)
            let slice = Array(tokens[(index + 1)...].prefix(3))
            for length in stride(from: slice.count, through: 1, by: -1) {
                let (found, consumed) = scanner.scan(Array(slice.prefix(length)))
                if let day = found.day, consumed.count == length, found.clock == nil, found.elapsedSeconds == nil {
                    phrase.until = day
                    return length + 1
                }
            }
            return nil
        }
        if word == "for", let next, let count = WhenPhraseScanner.amount(next), count > 0, count <= 10_000,
            index + 2 < tokens.count, ["times", "time", "occurrences", "x"].contains(tokens[index + 2].word)
        {
            phrase.rule.count = count
            return 3
        }
        if let count = WhenPhraseScanner.amount(word), count > 1, count <= 10_000, next == "times", phrase.rule.count == nil {
            phrase.rule.count = count
            return 2
        }
        return nil
    }

    /// "mondays" -> "monday", "weeks" -> "week" (keeps short words such as "tues" intact).
    static func singular(_ word: String) -> String {
        if word.count > 3, word.hasSuffix("s"), WhenPhraseScanner.weekday(word) == nil { return String(word.dropLast()) }
        return word
    }
}
