import Foundation
import Mustache

/// The SMS templates in `prompts/sms/` (DESIGN §8), loaded and checked at start: each one renders with
/// sample data within its segment budget.
public struct MessageTemplates: Sendable {
    /// A template the service needs, with its budget and the sample data it is checked with.
    public struct Requirement: Sendable {
        public var name: String
        public var segments: Int
        public var sample: @Sendable () -> [String: Any]
    }

    /// Why the templates were refused at start.
    public struct LoadError: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    let library: MustacheLibrary

    /// Every template the dispatcher renders.
    public static let requirements: [Requirement] = [
        Requirement(name: "sms/reminder", segments: 1) {
            ["program": "TaskPulse", "title": "call the dentist about Friday", "number": 12, "late": true,
             "due_time": "10:45 AM"]
        },
        Requirement(name: "sms/agenda", segments: 2) {
            ["program": "TaskPulse", "day": "Tue Nov 24", "has_today": true,
             "today": "#1 call mom (9:00 AM); #4 team sync (11:30 AM); #6 pick up dry cleaning (5:00 PM)",
             "has_overdue": true, "overdue": "#2 pay rent (was Sat Nov 21); #3 book flights (was Sun Nov 22)"]
        },
        Requirement(name: "sms/nudge", segments: 2) {
            ["program": "TaskPulse",
             "tasks": "#2 pay rent (due Mon Nov 23 9:00 AM); #5 send invoice to Acme (due Mon Nov 23 11:00 AM)"]
        },
        Requirement(name: "sms/weekly", segments: 2) {
            ["program": "TaskPulse", "done": 14, "has_done": true, "on_time_percent": 86, "has_streak": true,
             "streak": 6, "has_overdue": true, "overdue": "#2 pay rent (was Sat Nov 21); #3 book flights (was Sun Nov 22)"]
        },
        Requirement(name: "sms/phone_code", segments: 1) { ["program": "TaskPulse", "code": "482913"] },
        Requirement(name: "sms/motivation", segments: 1) {
            ["program": "TaskPulse", "line": "Small steps still move you forward. What is one thing you can finish tomorrow?"]
        },
        Requirement(name: "sms/link_request", segments: 2) {
            ["program": "TaskPulse", "partner": "Ms Rodriguez-Lee (+15551234567)", "expires": "Mon Nov 30"]
        },
        Requirement(name: "sms/assignment", segments: 2) {
            ["program": "TaskPulse", "partner": "Ms Rodriguez-Lee (+15551234567)", "number": 12,
             "title": "read chapter 5 and answer the questions on page 112", "due": "Thu Nov 26 11:59 PM"]
        },
        Requirement(name: "sms/partner_message", segments: 3) {
            ["program": "TaskPulse", "partner": "Ms Rodriguez-Lee (+15551234567)",
             "text": String(String(repeating: "quiz moved to friday, bring a calculator. ", count: 7).prefix(280))]
        },
        Requirement(name: "sms/link_ended", segments: 2) {
            ["program": "TaskPulse", "partner": "Ms Rodriguez-Lee (+15551234567)"]
        },
        Requirement(name: "sms/partner_alert", segments: 2) {
            ["program": "TaskPulse", "student": "Samantha", "overdue": true,
             "title": "read chapter 5 and answer the questions on page 112", "due": "Thu Nov 26 11:59 PM"]
        },
        Requirement(name: "sms/partner_weekly", segments: 3) {
            ["program": "TaskPulse",
             "lines": Array(repeating: "Samantha: 3 of 4 done this week, 1 overdue, next Thu Nov 26", count: 5)
                .joined(separator: "\n") + "\n+3 more"]
        },
    ]

    /// An email the service sends: `<name>.subject`, `<name>.text` and `<name>.html`, checked with sample data.
    public struct EmailRequirement: Sendable {
        public var name: String
        /// Whether the text and HTML bodies must carry the unsubscribe link (every email but the
        /// address confirmation, which goes to an address that has not subscribed).
        public var needsUnsubscribeLink: Bool
        public var sample: @Sendable () -> [String: Any]
    }

    static let sampleUnsubscribe = "https://tasks.example.com/email/unsubscribe?token=SAMPLE"
    static var sampleTasks: [[String: Any]] { [
        ["number": 1, "title": "call mom <3 & dad", "when": "9:00 AM"],
        ["number": 4, "title": "team sync", "when": "11:30 AM"],
    ] }

    /// Every email the dispatcher renders.
    public static let emailRequirements: [EmailRequirement] = [
        EmailRequirement(name: "email/reminder", needsUnsubscribeLink: true) {
            ["program": "TaskPulse", "title": "call the dentist about Friday", "number": 12, "late": true,
             "due_time": "10:45 AM", "day": "Tue Nov 24", "unsubscribe_url": sampleUnsubscribe]
        },
        EmailRequirement(name: "email/agenda", needsUnsubscribeLink: true) {
            ["program": "TaskPulse", "day": "Tue Nov 24", "has_today": true, "today": sampleTasks, "has_overdue": true,
             "overdue": [["number": 2, "title": "pay rent", "when": "was Sat Nov 21"]], "unsubscribe_url": sampleUnsubscribe]
        },
        EmailRequirement(name: "email/nudge", needsUnsubscribeLink: true) {
            ["program": "TaskPulse", "tasks": sampleTasks, "count": 2, "unsubscribe_url": sampleUnsubscribe]
        },
        EmailRequirement(name: "email/weekly", needsUnsubscribeLink: true) {
            ["program": "TaskPulse", "done": 14, "has_done": true, "on_time_percent": 86, "has_streak": true, "streak": 6,
             "has_overdue": true, "overdue": [["number": 2, "title": "pay rent", "when": "was Sat Nov 21"]],
             "unsubscribe_url": sampleUnsubscribe]
        },
        EmailRequirement(name: "email/motivation", needsUnsubscribeLink: true) {
            ["program": "TaskPulse", "line": "Small steps still move you forward.", "unsubscribe_url": sampleUnsubscribe]
        },
        EmailRequirement(name: "email/verify", needsUnsubscribeLink: false) {
            ["program": "TaskPulse", "address": "me@example.com", "hours": 24,
             "link": "https://tasks.example.com/email/verify?token=SAMPLE"]
        },
    ]

    init(library: MustacheLibrary) {
        self.library = library
    }

    /// No templates: everything renders empty (for code paths that send nothing).
    public static let empty = MessageTemplates(library: MustacheLibrary())

    /// Loads the templates under `directory` and checks every requirement.
    /// - Throws: ``LoadError`` naming the template that is missing, does not parse or breaks its budget.
    public static func load(directory: String) async throws -> MessageTemplates {
        let library: MustacheLibrary
        do {
            library = try await MustacheLibrary(directory: directory)
        } catch {
            throw LoadError(description: "cannot load templates from \(directory): \(error)")
        }
        let templates = MessageTemplates(library: library)
        try templates.check()
        return templates
    }

    /// Renders every requirement with its sample and checks it against its segment budget.
    public func check() throws {
        for requirement in MessageTemplates.requirements {
            guard library.getTemplate(named: requirement.name) != nil else {
                throw LoadError(description: "template \(requirement.name).mustache is missing")
            }
            let text = render(requirement.name, requirement.sample())
            let (encoding, segments) = SegmentCounter.count(text)
            guard !text.isEmpty, segments <= requirement.segments else {
                throw LoadError(
                    description: "\(requirement.name) renders to \(segments) \(encoding.rawValue) segments with sample data; budget \(requirement.segments): \(text)")
            }
        }
        try checkEmail()
    }

    /// An email's subject, text and HTML from `<name>.subject|text|html` (`nil` when a part is missing).
    public func renderEmail(_ name: String, _ data: [String: Any]) -> (subject: String, text: String, html: String)? {
        let subject = render(name + ".subject", data).split(whereSeparator: \.isNewline).joined(separator: " ")
        let text = render(name + ".text", data)
        let html = render(name + ".html", data)
        guard !subject.isEmpty, !text.isEmpty, !html.isEmpty else { return nil }
        return (String(subject.prefix(150)), text + "\n", html + "\n")
    }

    /// Checks every email requirement: all three parts render, the subject is one short line, and the
    /// bodies carry the unsubscribe link where one is required.
    func checkEmail() throws {
        for requirement in MessageTemplates.emailRequirements {
            for part in ["subject", "text", "html"] where library.getTemplate(named: "\(requirement.name).\(part)") == nil {
                throw LoadError(description: "template \(requirement.name).\(part).mustache is missing")
            }
            let sample = requirement.sample()
            guard let email = renderEmail(requirement.name, sample) else {
                throw LoadError(description: "\(requirement.name) renders an empty part with sample data")
            }
            let raw = render(requirement.name + ".subject", sample)
            guard !raw.contains(where: \.isNewline), raw.count <= 150 else {
                throw LoadError(description: "\(requirement.name).subject must be one line of at most 150 characters: \(raw)")
            }
            if requirement.needsUnsubscribeLink {
                guard email.text.contains(Self.sampleUnsubscribe), email.html.contains(Self.sampleUnsubscribe) else {
                    throw LoadError(
                        description: "\(requirement.name).text and .html must both show {{unsubscribe_url}}")
                }
            }
            if let link = sample["link"] as? String, !email.text.contains(link) || !email.html.contains(link) {
                throw LoadError(description: "\(requirement.name).text and .html must both show {{link}}")
            }
        }
    }

    /// The text of template `name` for `data`, without surrounding whitespace.
    public func render(_ name: String, _ data: [String: Any]) -> String {
        Self.trimmed(library.render(data, withTemplate: name) ?? "")
    }

    /// `text` without leading and trailing whitespace and newlines (Unicode White_Space). Foundation's
    /// character-set trimming cost a reminder a quarter of its render.
    static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        if first == scalars.startIndex, scalars.index(after: last) == scalars.endIndex { return text }
        return String(scalars[first...last])
    }
}
