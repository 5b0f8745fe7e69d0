import Foundation
import TaskPulseMessaging
import TaskPulseStorage

/// Checks on what partners type (names, messages), shared by the SMS commands and the API.
enum PartnerNames {
    /// Words that cannot name a student because commands use them (`tell all`).
    static let reserved: Set<String> = ["all", "everyone", "students"]

    /// Why a student name cannot be used, or `nil`.
    static func problem(studentName name: String) -> String? {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if let problem = lengthProblem(name, example: "link +15551234567 Sam") { return problem }
        if reserved.contains(trimmed.lowercased()) { return "\"\(trimmed)\" is a command word; pick another name." }
        if trimmed.contains(where: \.isWhitespace) {
            return "Use one word for the name (you type it in ASSIGN and TELL), e.g. \"SamL\"."
        }
        return nil
    }

    /// Why a display name cannot be used, or `nil`.
    static func problem(displayName name: String) -> String? {
        if let problem = lengthProblem(name, example: "name Ms Lee") { return problem }
        if name.trimmingCharacters(in: .whitespacesAndNewlines).contains(where: \.isNewline) { return "A name is one line." }
        return nil
    }

    /// An empty or overlong name (counted as typed, as the API schema counts it).
    private static func lengthProblem(_ name: String, example: String) -> String? {
        if name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "Give a name, e.g. \"\(example)\"." }
        if name.count > PartnerLimits.nameLength { return "That name is long; use at most \(PartnerLimits.nameLength) characters." }
        return nil
    }

    /// Why a message to students cannot be sent, or `nil`.
    static func problem(message text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return "What should I tell them? e.g. \"tell all quiz moved to friday\"." }
        if text.count > PartnerLimits.messageLength {
            return "That message is \(text.count) characters; keep it to \(PartnerLimits.messageLength)."
        }
        return nil
    }

    /// The gap between two recipients of one message: a second per segment, the rate of a US long code
    /// (twilio.md: 1 segment per second), so a broadcast never floods the number's queue at Twilio.
    static func spacing(for text: String) -> TimeInterval {
        // The program name and the partner's label come before the text: allow 60 characters for them.
        TimeInterval(SegmentCounter.count(String(repeating: "x", count: 60) + text).segments)
    }
}
