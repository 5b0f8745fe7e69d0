import Foundation
import TaskPulseDomain
import TaskPulseTiming

/// A request to create a task, as understood from a text.
public struct AddRequest: Sendable, Equatable {
    public var title: String
    public var priority: Priority?
    /// `nil` for a task with no date. For a repeating task: the first occurrence.
    public var schedule: Schedule?
    /// The repeat rule, with `UNTIL` resolved.
    public var recurrence: Recurrence?
    /// The wall-clock time each occurrence falls at (repeating tasks).
    public var occurrenceTime: LocalTime?

    public init(
        title: String, priority: Priority?, schedule: Schedule?, recurrence: Recurrence? = nil,
        occurrenceTime: LocalTime? = nil
    ) {
        self.title = title
        self.priority = priority
        self.schedule = schedule
        self.recurrence = recurrence
        self.occurrenceTime = occurrenceTime
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

/// `snooze`: which task (the last reminded one when `numbers` is empty) and until when.
public struct SnoozeRequest: Sendable, Equatable {
    public var numbers: [Int]
    /// Push by this many seconds (default 900).
    public var durationSeconds: Int?
    /// Or push to this instant (`snooze until 5pm`).
    public var until: Date?

    public init(numbers: [Int], durationSeconds: Int?, until: Date?) {
        self.numbers = numbers
        self.durationSeconds = durationSeconds
        self.until = until
    }
}

/// Quiet hours as texted.
public enum QuietSetting: Sendable, Equatable {
    case window(start: LocalTime, end: LocalTime)
    case off
}

/// The scheduled messages a person can time or switch (DESIGN §2).
public enum DigestKind: String, Sendable, Equatable {
    case morning, evening, motivation, weekly
}

/// A digest setting: a time, or on/off.
public enum DigestSetting: Sendable, Equatable {
    case at(LocalTime)
    case on
    case off
}

/// Which partner alert `alerts ...` switches (all of them when absent).
public enum PartnerAlertSwitch: String, Sendable, Equatable {
    case done, overdue, weekly
}

/// A command word, for errors that say what was attempted.
public enum CommandName: String, Sendable, Equatable {
    case add, list, done, undo, delete, help, stop, start, unknown, snooze, move, rename, agenda, skip
    case timezone, quiet, digest, email, link, assign, students, progress, unlink, status, block, tell, alerts, name
}

/// Why a text that named a command could not be carried out.
public enum CommandError: String, Sendable, Equatable, Error {
    /// `remind me to call mom`: a reminder needs a time.
    case missingTime = "missing_time"
    /// `done` with no task, `done 0`, `link 12345`.
    case badNumber = "bad_number"
    /// `tz Narnia`.
    case badZone = "bad_zone"
    /// `email bob@`.
    case badEmail = "bad_email"
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
    case snooze(SnoozeRequest)
    /// `move 2 friday 3pm`: a new time for tasks (the last reminded one when `numbers` is empty).
    case move([Int], Schedule)
    case rename([Int], String)
    /// `skip`: skip this occurrence of a repeating task.
    case skip([Int])
    case agenda
    case timezone(String)
    case quiet(QuietSetting)
    case digest(DigestKind, DigestSetting)
    case email(String)
    /// `email`: which address is confirmed and what goes by email.
    case emailStatus
    /// `email off`: forget the address; everything goes by text.
    case emailRemove
    /// `weekly email`, `reminders both`, `agenda and weekly by text`: route kinds of messages.
    case channel([DeliveryKind], ChannelChoice)
    /// A partner invites a student (`link +15551234567 Sam`).
    case link(Phone, name: String?)
    /// A partner assigns a task to a linked student by name.
    case assign(name: String, AddRequest)
    case students
    /// `status`: what was sent lately and what happened to it.
    case status
    case progress(name: String?)
    case unlink(name: String?)
    /// `help` / `HELP` / `INFO`; `topic` for `help snooze`.
    case help(topic: String?)
    /// An opt-out (STOP and its synonyms, DESIGN §2). `isCarrierKeyword` when the whole text was one of
    /// Twilio's default keywords, which Twilio itself answers.
    case stop(isCarrierKeyword: Bool)
    /// An opt-in: START, UNSTOP (and YES from an opted-out number, decided by the server).
    case start(isCarrierKeyword: Bool)
    /// `yes`/`no`, answers to a pending question (consent to a partner link).
    case consent(Bool)
    /// `yes 2`/`no 1`: the answer to one of several consent requests, by its number in the list.
    case consentChoice(Bool, Int)
    /// `block`, `block 2`: a student stops a partner's requests (and ends their link).
    case block(Int?)
    /// `tell all quiz moved to friday`, `tell Sam ...`: a partner's message (`nil`: every linked student).
    case tell(name: String?, text: String)
    /// `alerts`, `alerts done off`, `alerts overdue on`, `alerts weekly off`, `alerts off`: a partner's alerts.
    case alerts(PartnerAlertSwitch?, Bool?)
    /// `name Ms Lee`: the name students see (`nil`: show it).
    case displayName(String?)
    /// A bare number or "this"/"all": the answer to the question the bot asked last.
    case choose(Int)
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
        case .snooze: "snooze"
        case .move: "move"
        case .rename: "rename"
        case .skip: "skip"
        case .agenda: "agenda"
        case .timezone: "timezone"
        case .quiet: "quiet"
        case .digest: "digest"
        case .email, .emailStatus, .emailRemove: "email"
        case .channel: "channel"
        case .link: "link"
        case .assign: "assign"
        case .students: "students"
        case .status: "status"
        case .progress: "progress"
        case .unlink: "unlink"
        case .help: "help"
        case .stop: "stop"
        case .start: "start"
        case .consent, .consentChoice: "consent"
        case .block: "block"
        case .tell: "tell"
        case .alerts: "alerts"
        case .displayName: "name"
        case .choose: "choice"
        case .refused(let command, _): command.rawValue
        case .unknown: "unknown"
        }
    }
}
