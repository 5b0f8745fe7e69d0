import Foundation
import TaskPulseDomain
import TaskPulseTiming

/// The JSON form of a parsed command for `taskpulse parse --json` (keys from the corpus README).
public struct ParsedCommandJSON: Codable, Sendable, Equatable {
    /// `quiet`: a window object or the string "off".
    public enum Quiet: Codable, Sendable, Equatable {
        case window(start: String, end: String)
        case off

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .off:
                var container = encoder.singleValueContainer()
                try container.encode("off")
            case .window(let start, let end):
                var container = encoder.container(keyedBy: WindowKeys.self)
                try container.encode(start, forKey: .start)
                try container.encode(end, forKey: .end)
            }
        }

        public init(from decoder: any Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self), text == "off" {
                self = .off
                return
            }
            let container = try decoder.container(keyedBy: WindowKeys.self)
            self = .window(
                start: try container.decode(String.self, forKey: .start), end: try container.decode(String.self, forKey: .end))
        }

        enum WindowKeys: String, CodingKey { case start, end }
    }

    public struct Digest: Codable, Sendable, Equatable {
        public var kind: String
        public var time: String
    }

    public var command: String
    public var title: String?
    public var due: String?
    public var dueUTC: String?
    public var remind: String?
    public var rrule: String?
    public var priority: Int?
    public var numbers: [Int]?
    public var query: String?
    public var view: String?
    public var durationSeconds: Int?
    public var until: String?
    public var zone: String?
    public var quiet: Quiet?
    public var digest: Digest?
    public var email: String?
    /// For `channel`: the kinds routed and the channel chosen.
    public var kinds: [String]?
    public var channel: String?
    public var phone: String?
    public var name: String?
    public var assignee: String?
    public var answer: String?
    public var error: String?
    public var hint: String?

    enum CodingKeys: String, CodingKey {
        case command, title, due, dueUTC = "due_utc", remind, rrule, priority, numbers, query, view
        case durationSeconds = "duration_s", until, zone, quiet, digest, email, kinds, channel, phone, name, assignee, answer, error, hint
    }

    public init(_ command: Command, zone timeZone: TimeZone) {
        self.command = command.name
        func local(_ instant: Date) -> String { ZonedTime.local(instant, in: timeZone).description }
        func setSchedule(_ schedule: Schedule?) {
            guard let schedule else { return }
            due = local(schedule.dueAt)
            dueUTC = ZonedTime.local(schedule.dueAt, in: TimeZone(identifier: "UTC")!).description + "Z"
            remind = schedule.remindAt.map(local)
        }
        func setAdd(_ request: AddRequest) {
            title = request.title
            priority = request.priority?.rawValue
            rrule = request.recurrence?.rrule
            setSchedule(request.schedule)
        }
        switch command {
        case .add(let request):
            setAdd(request)
        case .assign(let student, let request):
            assignee = student
            setAdd(request)
        case .list(let view):
            self.view = view.rawValue
        case .done(let selector), .delete(let selector):
            switch selector {
            case .numbers(let values): numbers = values.isEmpty ? nil : values
            case .query(let text): query = text
            }
        case .snooze(let request):
            numbers = request.numbers.isEmpty ? nil : request.numbers
            durationSeconds = request.durationSeconds
            until = request.until.map(local)
        case .move(let values, let schedule):
            numbers = values.isEmpty ? nil : values
            setSchedule(schedule)
        case .rename(let values, let newTitle):
            numbers = values
            title = newTitle
        case .skip(let values):
            numbers = values.isEmpty ? nil : values
        case .timezone(let identifier):
            zone = identifier
        case .quiet(.off):
            quiet = .off
        case .quiet(.window(let start, let end)):
            quiet = .window(start: start.description, end: end.description)
        case .digest(let kind, let setting):
            let value = switch setting {
            case .on: "on"
            case .off: "off"
            case .at(let time): time.description
            }
            digest = Digest(kind: kind.rawValue, time: value)
        case .email(let address):
            email = address
        case .emailRemove:
            email = "off"
        case .channel(let routed, let choice):
            kinds = routed.map(\.rawValue)
            channel = choice.rawValue
        case .link(let number, let student):
            phone = number.e164
            name = student
        case .progress(let student), .unlink(let student):
            name = student
        case .consent(let yes):
            answer = yes ? "yes" : "no"
        case .consentChoice(let yes, let option):
            answer = yes ? "yes" : "no"
            numbers = [option]
        case .block(let option):
            numbers = option.map { [$0] }
        case .tell(let student, let text):
            name = student ?? "all"
            title = text
        case .alerts(let kind, let value):
            kinds = kind.map { [$0.rawValue] }
            channel = value.map { $0 ? "on" : "off" }
        case .displayName(let text):
            name = text
        case .choose(let option):
            numbers = [option]
        case .refused(_, let reason):
            error = reason.rawValue
        case .unknown(let suggestion):
            hint = suggestion
        case .help(let topic):
            query = topic
        case .undo, .stop, .start, .agenda, .students, .status, .emailStatus:
            break
        }
    }
}
