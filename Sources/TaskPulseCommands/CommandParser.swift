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
        switch first {
        case "add", "new", "todo", "task":
            if first == "task" && rest.isEmpty { return .list(.all) }
            return parseAdd(rest, context: context, requiresTime: false)
        case "remind", "reminder":
            var words = rest[...]
            if words.first?.word == "me" { words = words.dropFirst() }
            return parseAdd(Array(words), context: context, requiresTime: true, dropsLeadingTo: true)
        case "list", "ls", "tasks", "show":
            return .list(rest.first.flatMap { ListView(rawValue: $0.word) } ?? .all)
        case "today", "tomorrow", "week", "overdue", "more":
            if rest.isEmpty { return .list(ListView(rawValue: first)!) }
        case "done", "did", "complete", "completed", "finished", "finish", "x":
            if first == "done" && rest.count == 1 && rest[0].word == "list" { return .list(.done) }
            return selector(rest).map { .done($0) } ?? .refused(.done, .badNumber)
        case "delete", "del", "remove", "rm":
            return selector(rest).map { .delete($0) } ?? .refused(.delete, .badNumber)
        case "undo":
            if rest.isEmpty { return .undo }
        case "yes", "y", "accept", "yeah", "yep":
            if rest.isEmpty { return .consent(true) }
        case "no", "n", "decline", "nope":
            if rest.isEmpty { return .consent(false) }
        default:
            break
        }
        return .unknown(hint: CommandVocabulary.closestCommand(to: first))
    }

    /// `2`, `#3`, `2,5`, `2 4 5` -> numbers; anything else -> a title fragment.
    func selector(_ tokens: [Token]) -> TaskSelector? {
        guard !tokens.isEmpty else { return nil }
        let pieces = tokens.flatMap { $0.word.split(separator: ",") }.map { $0.hasPrefix("#") ? $0.dropFirst() : $0 }
            .filter { !$0.isEmpty }
        guard !pieces.isEmpty else { return nil }
        let numbers = pieces.compactMap { Int($0) }
        if numbers.count == pieces.count {
            guard numbers.allSatisfy({ $0 > 0 }) else { return nil }
            return .numbers(numbers)
        }
        return .query(Token.join(tokens))
    }

    func parseAdd(
        _ tokens: [Token], context: ParseContext, requiresTime: Bool, dropsLeadingTo: Bool = false
    ) -> Command {
        var priority: Priority?
        var remaining: [Token] = []
        for token in tokens {
            if priority == nil, let value = CommandParser.priority(token.word) {
                priority = value
            } else {
                remaining.append(token)
            }
        }
        let scanner = WhenPhraseScanner(dateOrder: .forZone(context.zone.identifier))
        let (phrase, consumed) = scanner.scan(remaining)
        var titleTokens = remaining.enumerated().filter { !consumed.contains($0.offset) }.map(\.element)
        if dropsLeadingTo, titleTokens.first?.word == "to" { titleTokens.removeFirst() }
        let resolver = ScheduleResolver(zone: context.zone, morningTime: context.morningTime)
        let schedule: Schedule?
        do {
            schedule = try resolver.resolve(phrase, now: context.now)
        } catch .badDate {
            return .refused(.add, .badDate)
        } catch {
            return .refused(.add, .pastDate)
        }
        if titleTokens.isEmpty { return .refused(.add, .emptyTitle) }
        if requiresTime && schedule == nil { return .refused(.add, .missingTime) }
        return .add(AddRequest(title: Token.join(titleTokens), priority: priority, schedule: schedule))
    }

    static func priority(_ word: String) -> Priority? {
        switch word {
        case "!high", "!!", "!urgent", "!h", "p1", "!1": .high
        case "!med", "!medium", "!normal", "p2", "!2": .medium
        case "!low", "!l", "p3", "!3": .low
        default: nil
        }
    }
}
