import Foundation
import TaskPulseDomain
import TaskPulseTiming

/// What the parser needs to know about the person and the moment (no I/O).
public struct ParseContext: Sendable {
    public var now: Date
    public var zone: TimeZone
    public var morningTime: LocalTime

    public init(now: Date, zone: TimeZone, morningTime: LocalTime = LocalTime(hour: 9, minute: 0)!) {
        self.now = now
        self.zone = zone
        self.morningTime = morningTime
    }

    var dateOrder: DateOrder { .forZone(zone.identifier) }
    var resolver: ScheduleResolver { ScheduleResolver(zone: zone, morningTime: morningTime) }
}

/// Turns an SMS body into a ``Command`` (DESIGN §2). Pure: the same text and context give the same command.
public struct CommandParser: Sendable {
    public init() {}

    /// The longest text the parser reads; longer texts are read up to here (SMS bodies top out at 1,600).
    public static let maximumLength = 2_000

    public func parse(_ text: String, context: ParseContext) -> Command {
        let trimmed = text.prefix(CommandParser.maximumLength).trimmingWhitespace()
        guard !trimmed.isEmpty else { return .unknown(hint: nil) }
        // Compliance words first, before anything else (DESIGN §2).
        switch ComplianceKeywords.classify(trimmed) {
        case .optOut(let carrier): return .stop(isCarrierKeyword: carrier)
        case .optIn(let carrier): return .start(isCarrierKeyword: carrier)
        case .help(let topic): return .help(topic: topic)
        case nil: break
        }
        let tokens = Token.tokenize(trimmed)
        let first = tokens[0].word
        let rest = Array(tokens.dropFirst())
        if let option = CommandParser.choice(tokens.map(\.word)) { return .choose(option) }
        if let routing = CommandParser.channelChoice(tokens.map(\.word)) { return routing }
        switch first {
        case "add", "new", "todo", "task":
            if first == "task" && rest.isEmpty { return .list(.all) }
            return parseAdd(rest, context: context, requiresTime: false)
        case "remind", "reminder":
            var words = rest[...]
            if words.first?.word == "me" { words = words.dropFirst() }
            return parseAdd(Array(words), context: context, requiresTime: true, dropsLeadingTo: true)
        case "every", "each", "daily", "weekly", "monthly", "yearly", "hourly", "annually":
            if first == "weekly", let setting = parseDigest(first, rest) { return setting }
            return parseAdd(tokens, context: context, requiresTime: false)
        case "list", "ls", "tasks", "show":
            return .list(rest.first.flatMap { ListView(rawValue: $0.word) } ?? .all)
        case "today", "tomorrow", "week", "overdue", "more":
            if rest.isEmpty { return .list(ListView(rawValue: first)!) }
        case "done", "did", "complete", "completed", "finished", "finish", "x":
            if first == "done" && rest.count == 1 && rest[0].word == "list" { return .list(.done) }
            if rest.isEmpty && first != "x" { return .done(.numbers([])) }
            return selector(rest).map { .done($0) } ?? .refused(.done, .badNumber)
        case "delete", "del", "remove", "rm":
            return selector(rest).map { .delete($0) } ?? .refused(.delete, .badNumber)
        case "undo":
            if rest.isEmpty { return .undo }
        case "snooze", "later":
            return parseSnooze(rest, context: context)
        case "move", "reschedule", "edit", "resched":
            return parseMove(rest, context: context)
        case "rename":
            return parseRename(rest)
        case "skip":
            if rest.isEmpty { return .skip([]) }
            if let numbers = numbers(rest) { return .skip(numbers) }
            return .refused(.skip, .badNumber)
        case "agenda":
            if rest.isEmpty { return .agenda }
        case "tz", "timezone", "zone":
            return parseTimeZone(rest)
        case "quiet":
            return parseQuiet(rest)
        case "morning", "evening", "motivation":  // "weekly" is read with the repeat words above
            if let command = parseDigest(first, rest) { return command }
        case "email", "e-mail":
            return parseEmail(rest)
        case "link", "invite":
            return parseLink(rest)
        case "assign":
            return parseAssign(rest, context: context)
        case "students":
            if rest.isEmpty { return .students }
        case "status":
            if rest.isEmpty { return .status }
        case "progress":
            return .progress(name: rest.isEmpty ? nil : Token.join(rest))
        case "unlink":
            return .unlink(name: rest.isEmpty ? nil : Token.join(rest))
        case "yes", "y", "accept", "yeah", "yep", "ok":
            if rest.isEmpty { return .consent(true) }
            if let choice = choiceNumber(rest) { return .consentChoice(true, choice) }
        case "no", "n", "decline", "nope":
            if rest.isEmpty { return .consent(false) }
            if let choice = choiceNumber(rest) { return .consentChoice(false, choice) }
        case "block":
            if rest.isEmpty { return .block(nil) }
            if let choice = choiceNumber(rest) { return .block(choice) }
        case "tell", "message", "msg":
            return parseTell(rest)
        case "alerts", "alert":
            if let command = parseAlerts(rest) { return command }
        case "name", "myname":
            return parseDisplayName(rest)
        default:
            break
        }
        // A bare time after a reminder ("tomorrow 8am", "2h") moves the reminded task: the server
        // decides whether there is one; here it reads as a move without numbers.
        if let schedule = bareSchedule(tokens, context: context) { return .move([], schedule) }
        return .unknown(hint: CommandVocabulary.closestCommand(to: first))
    }

    /// `2`, `#3`, `2,5`, `2 4 5` -> numbers; anything else -> a title fragment.
    func selector(_ tokens: [Token]) -> TaskSelector? {
        guard !tokens.isEmpty else { return nil }
        if let numbers = numbers(tokens) { return .numbers(numbers) }
        let pieces = tokens.flatMap { $0.word.split(separator: ",") }.filter { !$0.isEmpty && $0 != "#" }
        guard !pieces.isEmpty else { return nil }
        if pieces.allSatisfy({ Int($0.hasPrefix("#") ? $0.dropFirst() : $0) != nil }) { return nil }  // 0 or negative
        return .query(Token.join(tokens))
    }

    /// Task numbers when every token is one (`2`, `#3`, `2,5`); `nil` otherwise.
    func numbers(_ tokens: [Token]) -> [Int]? {
        let pieces = tokens.flatMap { $0.word.split(separator: ",") }.map { $0.hasPrefix("#") ? $0.dropFirst() : $0 }
            .filter { !$0.isEmpty }
        guard !pieces.isEmpty else { return nil }
        let values = pieces.compactMap { Int($0) }
        guard values.count == pieces.count, values.allSatisfy({ $0 > 0 }) else { return nil }
        return values
    }

    /// Leading task numbers (`snooze 2 1h`, `move #6 next monday`): the numbers and how many tokens they used.
    func leadingNumbers(_ tokens: [Token], unlessFollowedByUnit: Bool) -> ([Int], Int) {
        var numbers: [Int] = []
        var index = 0
        while index < tokens.count {
            let word = tokens[index].word
            let body = word.hasPrefix("#") ? String(word.dropFirst()) : word
            guard let value = Int(body), value > 0 else { break }
            if unlessFollowedByUnit, !word.hasPrefix("#"), index + 1 < tokens.count,
                CommandParser.durationUnit(tokens[index + 1].word) != nil
            {
                break
            }
            numbers.append(value)
            index += 1
        }
        return (numbers, index)
    }

    /// A text that is only a date/time phrase ("tomorrow 8am", "2h", "in 30 min").
    func bareSchedule(_ tokens: [Token], context: ParseContext) -> Schedule? {
        if tokens.count == 1, let seconds = CommandParser.compactDuration(tokens[0].word) {
            return Schedule(
                dueAt: context.now.addingTimeInterval(TimeInterval(seconds)),
                remindAt: context.now.addingTimeInterval(TimeInterval(seconds)), isDeadline: false)
        }
        let (phrase, consumed) = WhenPhraseScanner(dateOrder: context.dateOrder).scan(tokens)
        guard consumed.count == tokens.count, !phrase.isDeadline, phrase.day != nil || phrase.clock != nil
            || phrase.elapsedSeconds != nil
        else { return nil }
        return try? context.resolver.resolve(phrase, now: context.now)
    }

    /// A bare `1`/`#2`, or "this (one)" = 1 and "all (of them)" = 2, answering "Which one?" or "this one or all?".
    static func choice(_ words: [String]) -> Int? {
        switch words {
        case ["this"], ["this", "one"], ["just", "this"], ["just", "this", "one"], ["only", "this", "one"]: return 1
        case ["all"], ["all", "of", "them"], ["the", "series"], ["all", "future"]: return 2
        default: break
        }
        guard words.count == 1 else { return nil }
        let body = words[0].hasPrefix("#") ? String(words[0].dropFirst()) : words[0]
        guard body.count <= 2, let value = Int(body), value > 0 else { return nil }
        return value
    }

    static func priority(_ word: String) -> Priority? {
        switch word {
        case "!high", "!!", "!urgent", "!h", "p1", "!1": .high
        case "!med", "!medium", "!normal", "p2", "!2": .medium
        case "!low", "!l", "p3", "!3": .low
        default: nil
        }
    }

    /// Seconds in one duration unit (`m`, `min`, `h`, `hours`...).
    static func durationUnit(_ word: String) -> Int? {
        switch word {
        case "s", "sec", "secs", "second", "seconds": 1
        case "m", "min", "mins", "minute", "minutes": 60
        case "h", "hr", "hrs", "hour", "hours": 3600
        case "d", "day", "days": 86_400
        default: nil
        }
    }

    /// "30m", "1h", "90min" -> seconds.
    static func compactDuration(_ word: String) -> Int? {
        guard let (amount, unit) = WhenPhraseScanner.splitAmount(word), let unitSeconds = durationUnit(unit),
            amount > 0, amount <= 100_000
        else { return nil }
        return amount * unitSeconds
    }
}
