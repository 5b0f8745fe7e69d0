import Foundation
import TaskPulseDomain
import TaskPulseTiming

/// The JSON form of a parsed command for `taskpulse parse --json` (keys from the corpus README).
public struct ParsedCommandJSON: Codable, Sendable, Equatable {
    public var command: String
    public var title: String?
    public var due: String?
    public var dueUTC: String?
    public var remind: String?
    public var priority: Int?
    public var numbers: [Int]?
    public var query: String?
    public var view: String?
    public var answer: String?
    public var error: String?
    public var hint: String?

    enum CodingKeys: String, CodingKey {
        case command, title, due
        case dueUTC = "due_utc"
        case remind, priority, numbers, query, view, answer, error, hint
    }

    public init(_ command: Command, zone: TimeZone) {
        self.command = command.name
        switch command {
        case .add(let request):
            title = request.title
            priority = request.priority?.rawValue
            if let schedule = request.schedule {
                due = ZonedTime.local(schedule.dueAt, in: zone).description
                dueUTC = ZonedTime.local(schedule.dueAt, in: TimeZone(identifier: "UTC")!).description + "Z"
                remind = schedule.remindAt.map { ZonedTime.local($0, in: zone).description }
            }
        case .list(let view):
            self.view = view.rawValue
        case .done(let selector), .delete(let selector):
            switch selector {
            case .numbers(let values): numbers = values
            case .query(let text): query = text
            }
        case .consent(let yes):
            answer = yes ? "yes" : "no"
        case .refused(_, let reason):
            error = reason.rawValue
        case .unknown(let suggestion):
            hint = suggestion
        case .help(let topic):
            query = topic
        case .undo, .stop, .start:
            break
        }
    }
}
