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
        Requirement(name: "sms/motivation", segments: 1) {
            ["program": "TaskPulse", "line": "Small steps still move you forward. What is one thing you can finish tomorrow?"]
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
    }

    /// The text of template `name` for `data`, without surrounding whitespace.
    public func render(_ name: String, _ data: [String: Any]) -> String {
        (library.render(data, withTemplate: name) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
