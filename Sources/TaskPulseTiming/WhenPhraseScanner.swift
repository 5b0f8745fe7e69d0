/// How a person writes numeric dates like `12/3`.
public enum DateOrder: Sendable, Equatable {
    /// `12/3` is December 3 (United States, Canada).
    case monthFirst
    /// `12/3` is 12 March (everywhere else).
    case dayFirst
}

/// Finds date and time phrases among a text's words (DESIGN §2) and says which words they used.
///
/// Phrases may stand anywhere in the text; words that are not part of one are left for the title.
/// A phrase that would set a piece already set ("tomorrow ... friday") is left in the title.
public struct WhenPhraseScanner: Sendable {
    public var dateOrder: DateOrder

    public init(dateOrder: DateOrder) {
        self.dateOrder = dateOrder
    }

    /// The phrase found in `tokens` and the indices of the tokens it used.
    public func scan(_ tokens: [Token]) -> (phrase: WhenPhrase, consumed: Set<Int>) {
        var phrase = WhenPhrase()
        var consumed = Set<Int>()
        var index = 0
        while index < tokens.count {
            if let length = match(tokens, at: index, into: &phrase), length > 0 {
                consumed.formUnion(index..<(index + length))
                index += length
            } else {
                index += 1
            }
        }
        return (phrase, consumed)
    }

    /// Tries every phrase shape at `index`; on success updates `phrase` and returns the token count.
    private func match(_ tokens: [Token], at index: Int, into phrase: inout WhenPhrase) -> Int? {
        let word = tokens[index].word
        switch word {
        case "in":
            if let length = matchRelative(tokens, at: index + 1, into: &phrase) { return length + 1 }
            if let length = matchPartOfDay(tokens, at: index + 1, requireArticle: true, into: &phrase) {
                return length + 1
            }
            return nil
        case "by", "before":
            var trial = phrase
            trial.isDeadline = true
            if let length = matchDeadlineTarget(tokens, at: index + 1, into: &trial) {
                phrase = trial
                return length + 1
            }
            return nil
        case "at", "@":
            if phrase.clock == nil,
                let (clock, length) = WhenPhraseScanner.clock(tokens, at: index + 1, allowBare: true)
            {
                set(clock, into: &phrase)
                return length + 1
            }
            return nil
        case "on":
            if let length = matchDay(tokens, at: index + 1, into: &phrase) { return length + 1 }
            return nil
        default:
            break
        }
        if let length = matchEndOf(tokens, at: index, into: &phrase) { return length }
        if let length = matchDay(tokens, at: index, into: &phrase) { return length }
        if phrase.clock == nil, let (clock, length) = WhenPhraseScanner.clock(tokens, at: index, allowBare: false) {
            set(clock, into: &phrase)
            return length
        }
        return nil
    }

    private func set(_ clock: WhenPhrase.Clock, into phrase: inout WhenPhrase) {
        phrase.clock = clock
    }

    // MARK: - Relative: "in 20 min", "in 2h", "in a week"

    private func matchRelative(_ tokens: [Token], at index: Int, into phrase: inout WhenPhrase) -> Int? {
        guard index < tokens.count, phrase.elapsedSeconds == nil, phrase.day == nil else { return nil }
        let word = tokens[index].word
        // Compact forms: "2h", "20m", "90min", "3d".
        if let (amount, unit) = WhenPhraseScanner.splitAmount(word), let seconds = unitSeconds(unit) {
            return apply(amount: amount, unitSeconds: seconds, into: &phrase) ? 1 : nil
        }
        guard let amount = WhenPhraseScanner.amount(word), index + 1 < tokens.count,
            let seconds = unitSeconds(tokens[index + 1].word)
        else { return nil }
        return apply(amount: amount, unitSeconds: seconds, into: &phrase) ? 2 : nil
    }

    private func apply(amount: Int, unitSeconds: Int, into phrase: inout WhenPhrase) -> Bool {
        guard amount > 0, amount <= 100_000 else { return false }
        if unitSeconds >= 86_400 {
            phrase.day = .daysFromToday(amount * unitSeconds / 86_400)
        } else {
            phrase.elapsedSeconds = amount * unitSeconds
        }
        return true
    }

    private func unitSeconds(_ unit: String) -> Int? {
        switch unit {
        case "m", "min", "mins", "minute", "minutes": 60
        case "h", "hr", "hrs", "hour", "hours": 3600
        case "d", "day", "days": 86_400
        case "w", "wk", "wks", "week", "weeks": 7 * 86_400
        default: nil
        }
    }

    public static func amount(_ word: String) -> Int? {
        if let number = Int(word) { return number }
        return amountWords[word]
    }

    private static let amountWords = [
        "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
        "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty-five": 45,
        "ninety": 90,
    ]

    /// Splits "20min" into (20, "min"); nil when the word does not start with digits and end with letters.
    public static func splitAmount(_ word: String) -> (Int, String)? {
        let digits = word.prefix(while: { $0.isASCII && $0.isNumber })
        let unit = word.dropFirst(digits.count)
        guard !digits.isEmpty, !unit.isEmpty, unit.allSatisfy({ $0.isLetter }), let amount = Int(digits) else {
            return nil
        }
        return (amount, String(unit))
    }

    // MARK: - Deadlines: "by friday", "before 5pm", "eod", "end of week"

    private func matchDeadlineTarget(_ tokens: [Token], at index: Int, into phrase: inout WhenPhrase) -> Int? {
        guard index < tokens.count else { return nil }
        if let length = matchEndOf(tokens, at: index, into: &phrase) { return length }
        if let length = matchDay(tokens, at: index, into: &phrase) { return length }
        if phrase.clock == nil, let (clock, length) = WhenPhraseScanner.clock(tokens, at: index, allowBare: true) {
            set(clock, into: &phrase)
            return length
        }
        return nil
    }

    private func matchEndOf(_ tokens: [Token], at index: Int, into phrase: inout WhenPhrase) -> Int? {
        let words = tokens[index...].prefix(4).map(\.word)
        func endOfDay(_ length: Int) -> Int? {
            guard phrase.clock == nil else { return nil }
            phrase.isDeadline = true
            phrase.clock = .init(hour: 17, minute: 0, isUnambiguous: true)
            return length
        }
        func endOfWeek(_ length: Int) -> Int? {
            guard phrase.day == nil else { return nil }
            phrase.isDeadline = true
            phrase.day = .weekday(5, strictlyAfterToday: false)
            return length
        }
        if words.first == "eod" || words.first == "cob" { return endOfDay(1) }
        if words.first == "eow" { return endOfWeek(1) }
        guard words.count >= 3, words[0] == "end", words[1] == "of" else { return nil }
        let skip = words[2] == "the" ? 1 : 0
        guard words.count > 2 + skip else { return nil }
        switch words[2 + skip] {
        case "day": return endOfDay(3 + skip)
        case "week": return endOfWeek(3 + skip)
        default: return nil
        }
    }

    // MARK: - Days and dates

    private func matchDay(_ tokens: [Token], at index: Int, into phrase: inout WhenPhrase) -> Int? {
        guard index < tokens.count, phrase.day == nil else { return nil }
        let word = tokens[index].word
        var length: Int
        switch word {
        case "today", "tod":
            phrase.day = .today
            length = 1
        case "tonight", "tonite":
            phrase.day = .today
            if phrase.clock == nil { phrase.partOfDay = LocalTime(hour: 20, minute: 0) }
            return 1
        case "tomorrow", "tmrw", "tmr", "tmw", "tomorow", "tommorow", "tommorrow":
            phrase.day = .tomorrow
            length = 1
        case "next", "this", "coming":
            guard index + 1 < tokens.count else { return nil }
            let nextWord = tokens[index + 1].word
            if let weekday = WhenPhraseScanner.weekday(nextWord) {
                phrase.day = .weekday(weekday, strictlyAfterToday: word == "next")
                length = 2
            } else if nextWord == "weekend", word != "next" {
                phrase.day = .weekend
                length = 2
            } else if nextWord == "week", word == "next" {
                phrase.day = .weekday(1, strictlyAfterToday: true)
                length = 2
            } else if word == "this", let part = WhenPhraseScanner.partOfDay(nextWord) {
                phrase.day = .today
                if phrase.clock == nil { phrase.partOfDay = part }
                return 2
            } else {
                return nil
            }
        default:
            if let weekday = WhenPhraseScanner.weekday(word) {
                phrase.day = .weekday(weekday, strictlyAfterToday: false)
                length = 1
            } else if let dateLength = matchDate(tokens, at: index, into: &phrase) {
                length = dateLength
            } else {
                return nil
            }
        }
        // A part of day or a bare hour right after a day: "tomorrow morning", "tomorrow 9".
        if let partLength = matchPartOfDay(tokens, at: index + length, requireArticle: false, into: &phrase) {
            length += partLength
        } else if phrase.clock == nil,
            let (clock, clockLength) = WhenPhraseScanner.clock(tokens, at: index + length, allowBare: true)
        {
            phrase.clock = clock
            length += clockLength
        }
        return length
    }

    private func matchPartOfDay(
        _ tokens: [Token], at index: Int, requireArticle: Bool, into phrase: inout WhenPhrase
    ) -> Int? {
        var position = index
        if requireArticle {
            guard position < tokens.count, tokens[position].word == "the" else { return nil }
            position += 1
        }
        guard position < tokens.count, phrase.clock == nil, phrase.partOfDay == nil,
            let part = WhenPhraseScanner.partOfDay(tokens[position].word)
        else { return nil }
        phrase.partOfDay = part
        return position - index + 1
    }

    public static func partOfDay(_ word: String) -> LocalTime? {
        switch word {
        case "morning": LocalTime(hour: 9, minute: 0)
        case "afternoon": LocalTime(hour: 14, minute: 0)
        case "evening": LocalTime(hour: 18, minute: 0)
        case "night": LocalTime(hour: 20, minute: 0)
        default: nil
        }
    }

    public static func weekday(_ word: String) -> Int? {
        switch word {
        case "mon", "monday": 1
        case "tue", "tues", "tuesday": 2
        case "wed", "weds", "wednesday": 3
        case "thu", "thur", "thurs", "thursday": 4
        case "fri", "friday": 5
        case "sat", "saturday": 6
        case "sun", "sunday": 7
        default: nil
        }
    }

    public static func month(_ word: String) -> Int? { monthNames[word] }

    private static let monthNames = [
        "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
        "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
        "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
    ]

    /// "3", "3rd", "21st" -> day number; `requireSuffix` for bare "the 5th" forms.
    public static func ordinal(_ word: String, requireSuffix: Bool = false) -> Int? {
        let digits = word.prefix(while: { $0.isASCII && $0.isNumber })
        let suffix = word.dropFirst(digits.count)
        guard !digits.isEmpty, digits.count <= 2, let value = Int(digits), (1...31).contains(value) else { return nil }
        if suffix.isEmpty { return requireSuffix ? nil : value }
        return ["st", "nd", "rd", "th"].contains(String(suffix)) ? value : nil
    }

    private func matchDate(_ tokens: [Token], at index: Int, into phrase: inout WhenPhrase) -> Int? {
        let word = tokens[index].word
        let next = index + 1 < tokens.count ? tokens[index + 1].word : nil
        // 2026-12-03
        let isoParts = word.split(separator: "-", omittingEmptySubsequences: false)
        if isoParts.count == 3, isoParts[0].count == 4, isoParts[1].count <= 2, isoParts[2].count <= 2,
            isoParts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let year = Int(isoParts[0]), let month = Int(isoParts[1]), let day = Int(isoParts[2])
        {
            if let date = LocalDate(year: year, month: month, day: day) {
                phrase.day = .date(date)
            } else {
                phrase.invalidDate = true
            }
            return 1
        }
        // 12/3, 12/3/2026, 12/3/26
        let slashParts = word.split(separator: "/", omittingEmptySubsequences: false)
        if (2...3).contains(slashParts.count),
            slashParts.allSatisfy({ !$0.isEmpty && $0.count <= 4 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let first = Int(slashParts[0]), let second = Int(slashParts[1])
        {
            let (month, day) = dateOrder == .monthFirst ? (first, second) : (second, first)
            if slashParts.count == 3 {
                var year = Int(slashParts[2]) ?? 0
                if year < 100 { year += 2000 }
                if let date = LocalDate(year: year, month: month, day: day) {
                    phrase.day = .date(date)
                } else {
                    phrase.invalidDate = true
                }
            } else if (1...12).contains(month), (1...LocalDate.daysIn(month: month, year: 2000)).contains(day) {
                phrase.day = .monthDay(month: month, day: day)
                if first != second, first <= 12, second <= 12 { phrase.slashNumbers = (first, second) }
            } else {
                phrase.invalidDate = true
            }
            return 1
        }
        // dec 3, december 3rd, dec 3 2027
        if let month = WhenPhraseScanner.month(word), let next, let day = WhenPhraseScanner.ordinal(next) {
            var length = 2
            var year: Int?
            if index + 2 < tokens.count, let value = Int(tokens[index + 2].word), (1970...2200).contains(value) {
                year = value
                length = 3
            }
            setMonthDay(month: month, day: day, year: year, into: &phrase)
            return length
        }
        // 3 dec, 3rd of december
        if let day = WhenPhraseScanner.ordinal(word), let next {
            var monthIndex = index + 1
            if next == "of", index + 2 < tokens.count { monthIndex = index + 2 }
            if let month = WhenPhraseScanner.month(tokens[monthIndex].word) {
                setMonthDay(month: month, day: day, year: nil, into: &phrase)
                return monthIndex - index + 1
            }
        }
        // the 5th
        if word == "the", let next, let day = WhenPhraseScanner.ordinal(next, requireSuffix: true) {
            phrase.day = .dayOfMonth(day)
            return 2
        }
        return nil
    }

    private func setMonthDay(month: Int, day: Int, year: Int?, into phrase: inout WhenPhrase) {
        if let year {
            if let date = LocalDate(year: year, month: month, day: day) {
                phrase.day = .date(date)
            } else {
                phrase.invalidDate = true
            }
        } else if day <= LocalDate.daysIn(month: month, year: 2000) {
            phrase.day = .monthDay(month: month, day: day)
        } else {
            phrase.invalidDate = true
        }
    }

    // MARK: - Clock times

    /// Reads a clock time at `index`: `9am`, `9 am`, `9:30pm`, `21:00`, `noon`, `midnight`, and
    /// (with `allowBare`, after `at` or a day) a bare hour `9`.
    public static func clock(_ tokens: [Token], at index: Int, allowBare: Bool) -> (WhenPhrase.Clock, Int)? {
        guard index < tokens.count else { return nil }
        let word = tokens[index].word
        switch word {
        case "noon", "midday": return (.init(hour: 12, minute: 0, isUnambiguous: true), 1)
        case "midnight": return (.init(hour: 0, minute: 0, isUnambiguous: true), 1)
        default: break
        }
        var body = Substring(word)
        var meridiem: String?
        for suffix in ["a.m", "p.m", "am", "pm"] where body.hasSuffix(suffix) {
            meridiem = String(suffix.first!)
            body = body.dropLast(suffix.count)
            break
        }
        var length = 1
        if meridiem == nil, index + 1 < tokens.count {
            switch tokens[index + 1].word {
            case "am", "a.m", "a.m.":
                meridiem = "a"
                length = 2
            case "pm", "p.m", "p.m.":
                meridiem = "p"
                length = 2
            default: break
            }
        }
        let pieces = body.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(pieces.count),
            pieces.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            pieces[0].count <= 2, let hour = Int(pieces[0])
        else { return nil }
        var minute = 0
        if pieces.count == 2 {
            guard pieces[1].count == 2, let value = Int(pieces[1]) else { return nil }
            minute = value
        }
        guard (0...59).contains(minute) else { return nil }
        if let meridiem {
            guard (1...12).contains(hour) else { return nil }
            let hour24 = meridiem == "a" ? (hour == 12 ? 0 : hour) : (hour == 12 ? 12 : hour + 12)
            return (.init(hour: hour24, minute: minute, isUnambiguous: true), length)
        }
        guard (0...23).contains(hour) else { return nil }
        if pieces.count == 1 && !allowBare { return nil }
        let unambiguous = hour == 0 || hour >= 12 || pieces[0].hasPrefix("0")
        return (.init(hour: hour, minute: minute, isUnambiguous: unambiguous), 1)
    }
}
