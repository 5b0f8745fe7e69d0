import Foundation
import TaskPulseDomain
import TaskPulseTiming

/// A request to create a task, as understood from a text.
public struct AddRequest: Sendable, Equatable {
    public var title: String
    public var priority: Priority?
    /// `nil` for a task with no date.
    public var schedule: Schedule?

    public init(title: String, priority: Priority?, schedule: Schedule?) {
        self.title = title
        self.priority = priority
        self.schedule = schedule
    }
}

/// Which tasks a command is about: numbers (`done 2 4`) or a title fragment (`done milk`).
public enum TaskSelector: Sendable, Equatable {
    case numbers([Int])
    case query(String)
}

/// The list views of DESIGN §2.
public enum ListView: String, Sendable, Equatable {
    case all, today, tomorrow, week, overdue, done, more
}

/// A command word, for errors that say what was attempted.
public enum CommandName: String, Sendable, Equatable {
    case add, list, done, undo, delete, help, stop, start, unknown
}

/// Why a text that named a command could not be carried out.
public enum CommandError: String, Sendable, Equatable, Error {
    /// `remind me to call mom`: a reminder needs a time.
    case missingTime = "missing_time"
    /// `done` with no task, or `done 0`.
    case badNumber = "bad_number"
    /// `feb 30`, `13/13`.
    case badDate = "bad_date"
    /// A full date or today's time that has already passed.
    case pastDate = "past_date"
    /// `add` with nothing to add.
    case emptyTitle = "empty_title"
}

/// What a text means (DESIGN §2). Produced by ``CommandParser``; carried out by the server.
public enum Command: Sendable, Equatable {
    case add(AddRequest)
    case list(ListView)
    case done(TaskSelector)
    case delete(TaskSelector)
    case undo
    /// `help` / `HELP` / `INFO`; `topic` for `help snooze`.
    case help(topic: String?)
    /// An opt-out (STOP and its synonyms, DESIGN §2). `isCarrierKeyword` when the whole text was one of
    /// Twilio's default keywords, which Twilio itself answers.
    case stop(isCarrierKeyword: Bool)
    /// An opt-in: START, UNSTOP (and YES from an opted-out number, decided by the server).
    case start(isCarrierKeyword: Bool)
    /// `yes`/`no`, answers to a pending question (consent to a partner link, later issues).
    case consent(Bool)
    /// A command that was recognised but cannot be done as written.
    case refused(CommandName, CommandError)
    /// Not understood; `hint` names the closest command word when there is one.
    case unknown(hint: String?)

    /// The command's name as the corpus and `taskpulse parse` name it.
    public var name: String {
        switch self {
        case .add: "add"
        case .list: "list"
        case .done: "done"
        case .delete: "delete"
        case .undo: "undo"
        case .help: "help"
        case .stop: "stop"
        case .start: "start"
        case .consent: "consent"
        case .refused(let command, _): command.rawValue
        case .unknown: "unknown"
        }
    }
}
