/// Opt-out, opt-in and help keywords (sms-rules.md §3, twilio.md §8).
///
/// A text counts only when, after punctuation and polite filler are removed, nothing but the keyword
/// is left: `stop please` opts out, `stop reminding me about laundry` does not (DESIGN §2).
enum ComplianceKeywords {
    /// Twilio's default keywords: Twilio answers these itself when its opt-out handling is on.
    static let carrierOptOut: Set<String> = [
        "stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout",
    ]
    static let carrierOptIn: Set<String> = ["start", "unstop"]
    static let carrierHelp: Set<String> = ["help", "info"]

    /// Wider wording a reasonable person reads as "stop texting me" (FCC 2025 revocation rule).
    static let otherOptOut: Set<[String]> = [
        ["opt", "out"], ["no", "more"], ["no", "more", "texts"], ["no", "more", "messages"], ["leave", "alone"],
        ["unsub"],
    ]
    static let otherOptIn: Set<[String]> = [["start", "again"], ["resume"], ["subscribe"], ["opt", "in"]]

    /// Words dropped before matching: polite filler and the object of "stop texting me".
    static let filler: Set<String> = [
        "please", "pls", "plz", "now", "thanks", "thank", "you", "thx", "me", "texting", "messaging", "sending",
        "text", "texts", "messages", "us", "all", "of", "these", "this", "the", "to", "just", "ok", "okay",
    ]

    enum Kind { case optOut(carrier: Bool), optIn(carrier: Bool), help(topic: String?) }

    /// Classifies a whole text; `nil` when it is not a compliance keyword message.
    static func classify(_ text: Substring) -> Kind? {
        let words = text.lowercased()
            .split(whereSeparator: { !($0.isLetter || $0.isNumber) })
            .map(String.init)
        guard !words.isEmpty, words.count <= 8 else { return nil }
        if words.count == 1 {
            let word = words[0]
            if carrierOptOut.contains(word) { return .optOut(carrier: true) }
            if carrierOptIn.contains(word) { return .optIn(carrier: true) }
            if carrierHelp.contains(word) { return .help(topic: nil) }
        }
        if words[0] == "help" || words[0] == "info" {
            // "help snooze": help about one command; "help me" and such are plain help.
            let topic = words.dropFirst().first { !filler.contains($0) }
            return .help(topic: topic)
        }
        if otherOptOut.contains(words) { return .optOut(carrier: false) }
        if otherOptIn.contains(words) { return .optIn(carrier: false) }
        let meaningful = words.filter { !filler.contains($0) }
        if meaningful.count == 1 {
            if carrierOptOut.contains(meaningful[0]) || meaningful[0] == "unsub" { return .optOut(carrier: false) }
            if carrierOptIn.contains(meaningful[0]) { return .optIn(carrier: false) }
        }
        if meaningful.isEmpty, words.contains("stop") { return .optOut(carrier: false) }
        if otherOptOut.contains(meaningful) { return .optOut(carrier: false) }
        return nil
    }
}
