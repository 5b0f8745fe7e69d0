import Foundation
import TaskPulseDomain
import TaskPulseTiming

extension CommandParser {
    /// `tz America/Chicago`, `tz pacific`, `tz London`.
    func parseTimeZone(_ tokens: [Token]) -> Command {
        guard !tokens.isEmpty, let zone = TimeZoneNames.resolve(Token.join(tokens)) else {
            return .refused(.timezone, .badZone)
        }
        return .timezone(zone)
    }

    /// `quiet 22:00-07:00`, `quiet 10pm-7am`, `quiet 10pm to 7am`, `quiet off`.
    func parseQuiet(_ tokens: [Token]) -> Command {
        let words = tokens.map(\.word)
        if words == ["off"] || words == ["none"] { return .quiet(.off) }
        let joined = words.joined(separator: " ").replacingOccurrences(of: " to ", with: "-")
            .replacingOccurrences(of: "–", with: "-").replacingOccurrences(of: " - ", with: "-")
        let parts = joined.split(separator: "-").map { Token.tokenize(String($0)) }
        guard parts.count == 2, let start = clockTime(parts[0]), let end = clockTime(parts[1]), start != end else {
            return .refused(.quiet, .missingTime)
        }
        return .quiet(.window(start: start, end: end))
    }

    /// `morning 7am`, `evening off`, `motivation on`, `weekly off`; `nil` when the rest is not a setting
    /// (so `morning run` can still be read otherwise).
    func parseDigest(_ word: String, _ tokens: [Token]) -> Command? {
        let kind = DigestKind(rawValue: word)!
        let words = tokens.map(\.word)
        if words == ["on"] { return .digest(kind, .on) }
        if words == ["off"] { return .digest(kind, .off) }
        if kind != .motivation, let time = clockTime(tokens) { return .digest(kind, .at(time)) }
        return nil
    }

    /// A whole clock time such as `7am`, `6:30 pm`, `22:00`, `noon`.
    func clockTime(_ tokens: [Token]) -> LocalTime? {
        guard !tokens.isEmpty, let (clock, length) = WhenPhraseScanner.clock(tokens, at: 0, allowBare: true),
            length == tokens.count
        else { return nil }
        // A bare hour in a setting is read as written (24-hour): "quiet 22-7".
        return LocalTime(hour: clock.hour, minute: clock.minute)
    }

    /// `email me@example.com`, `email` (status), `email off`, `email weekly` (route to email).
    func parseEmail(_ tokens: [Token]) -> Command {
        let words = tokens.map(\.word)
        if words.isEmpty { return .emailStatus }
        if words == ["off"] || words == ["remove"] || words == ["none"] || words == ["delete"] { return .emailRemove }
        if let kinds = CommandParser.topics(words[...]) { return .channel(kinds, .email) }
        guard tokens.count == 1 else { return .refused(.email, .badEmail) }
        let address = String(tokens[0].original).trimmingCharacters(in: CharacterSet(charactersIn: "<>.,;"))
        guard CommandParser.isPlausibleEmail(address) else { return .refused(.email, .badEmail) }
        return .email(address)
    }

    /// `weekly email`, `reminders by text`, `agenda and weekly both`, `all email`: every word is a kind of
    /// message, then an optional `by`/`via`, then a channel. `nil` for anything else.
    static func channelChoice(_ words: [String]) -> Command? {
        guard words.count >= 2, let choice = channel(words[words.count - 1]) else { return nil }
        var topicWords = words.dropLast()
        if let last = topicWords.last, ["by", "via", "over", "as", "to", "on"].contains(last) { topicWords = topicWords.dropLast() }
        if topicWords.last == "both" && choice != .both { return nil }
        guard let kinds = topics(topicWords) else { return nil }
        return .channel(kinds, choice)
    }

    static func channel(_ word: String) -> ChannelChoice? {
        switch word {
        case "email", "e-mail", "mail", "emails": .email
        case "sms", "text", "texts", "txt", "phone": .sms
        case "both": .both
        default: nil
        }
    }

    /// Kinds of messages named by words such as `reminders`, `agenda and weekly`, `all`.
    static func topics(_ words: ArraySlice<String>) -> [DeliveryKind]? {
        var kinds: [DeliveryKind] = []
        for word in words where !["and", "&", "+", ",", "the", "my"].contains(word) {
            let trimmed = word.trimmingCharacters(in: CharacterSet(charactersIn: ","))
            switch trimmed {
            case "reminder", "reminders": kinds.append(.reminder)
            case "agenda", "agendas", "morning": kinds.append(.agenda)
            case "motivation", "evening": kinds.append(.motivation)
            case "nudge", "nudges", "overdue": kinds.append(.nudge)
            // Only "weekly": "weekly report email" stays a repeating task titled "report email".
            case "weekly": kinds.append(.weekly)
            case "all", "everything": kinds.append(contentsOf: ChannelPreferences.routableKinds)
            case "": continue
            default: return nil
            }
        }
        guard !kinds.isEmpty else { return nil }
        var seen = Set<DeliveryKind>()
        return kinds.filter { seen.insert($0).inserted }
    }

    /// One `@`, a non-empty local part, a dotted domain, no spaces or control characters.
    public static func isPlausibleEmail(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard address.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return false }
        let domain = parts[1]
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && $0.count <= 63 }) else { return false }
        let allowedLocal = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "!#$%&'*+-/=?^_`{|}~."))
        let allowedDomain = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-."))
        // ASCII only: without SMTPUTF8 a mail server refuses anything else after we said "check your inbox".
        guard address.unicodeScalars.allSatisfy(\.isASCII) else { return false }
        return parts[0].unicodeScalars.allSatisfy(allowedLocal.contains)
            && domain.unicodeScalars.allSatisfy(allowedDomain.contains)
            && !parts[0].hasPrefix(".") && !parts[0].hasSuffix(".")
    }
}
