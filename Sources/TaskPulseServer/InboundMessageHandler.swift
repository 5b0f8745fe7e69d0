import Foundation
import Logging
import TaskPulseCommands
import TaskPulseDispatch
import TaskPulseDomain
import TaskPulseStorage
import TaskPulseTiming

/// One inbound text as the webhook (or the simulator) received it.
public struct InboundText: Sendable, Equatable {
    public var from: Phone
    public var body: String
    /// Twilio's `MessageSid`, the idempotency key.
    public var messageSid: String
    /// Twilio's `OptOutType` (STOP/START/HELP) when Twilio's own keyword handling already answered.
    public var optOutType: String?

    public init(from: Phone, body: String, messageSid: String, optOutType: String? = nil) {
        self.from = from
        self.body = body
        self.messageSid = messageSid
        self.optOutType = optOutType
    }
}

/// Turns an inbound text into a stored change and the reply: parse, apply, answer (DESIGN §2).
public struct InboundMessageHandler: Sendable {
    let store: any TaskStore
    let clock: any WallClock
    let wakeup: DispatchWakeup
    let defaultTimeZone: String
    let programName: String
    let helpContact: String
    let parser = CommandParser()
    /// The most lines a list reply shows before saying how many more there are.
    static let listLimit = 10

    public init(
        store: any TaskStore, clock: any WallClock, wakeup: DispatchWakeup, defaultTimeZone: String,
        programName: String, helpContact: String
    ) {
        self.store = store
        self.clock = clock
        self.wakeup = wakeup
        self.defaultTimeZone = defaultTimeZone
        self.programName = programName
        self.helpContact = helpContact
    }

    /// Handles `text` once: a retried `MessageSid` gets the recorded reply and changes nothing.
    /// - Returns: the reply text, empty for none.
    /// - Throws: ``StoreError`` when the store cannot take the change (the webhook answers 503).
    public func handle(_ text: InboundText) async throws -> String {
        if let reply = try await store.recordedReply(messageSid: text.messageSid) { return reply }
        let now = clock.now()
        let user = try await store.ensureUser(phone: text.from, timeZoneID: defaultTimeZone, now: now)
        let zone = TimeZone(identifier: user.timeZoneID) ?? TimeZone(identifier: defaultTimeZone) ?? .gmt
        let command = parser.parse(text.body, context: ParseContext(now: now, zone: zone))
        let formatter = ReplyFormatter(zone: zone, now: now, programName: programName, helpContact: helpContact)
        let plan = InboundMessageHandler.plan(
            command, text: text.body, user: user, optOutType: text.optOutType, now: now, formatter: formatter)
        let result = try await store.handleInbound(
            InboundMessage(messageSid: text.messageSid, body: text.body, receivedAt: now), userID: user.id,
            change: plan.change, now: now, renderReply: plan.render)
        if result.scheduledDelivery { wakeup.signal() }
        return result.reply
    }

    struct Plan {
        var change: TaskChange
        var render: @Sendable (ChangeOutcome) -> String
    }

    /// Decides the change and the reply for a command. Pure.
    static func plan(
        _ command: Command, text: String, user: User, optOutType: String?, now: Date, formatter: ReplyFormatter
    ) -> Plan {
        let twilioAnswered = optOutType.map { $0.uppercased() }
        func fixed(_ reply: String, _ change: TaskChange = .none) -> Plan { Plan(change: change) { _ in reply } }
        switch command {
        case .stop:
            // One confirmation only: none when Twilio already sent its own (OptOutType) or when the
            // person was already opted out (sms-rules.md §3).
            let confirmation = twilioAnswered == "STOP" ? "" : formatter.optOutConfirmation
            return Plan(change: .optOut(wording: String(text.prefix(160)))) { outcome in
                if case .optedOut(wasAlreadyOptedOut: true) = outcome { return "" }
                return confirmation
            }
        case .start,
            .consent(true) where user.isOptedOut:
            return fixed(
                twilioAnswered == "START" ? "" : formatter.optInConfirmation, .optIn(wording: String(text.prefix(160))))
        case .help(let topic):
            if topic == nil { return fixed(twilioAnswered == "HELP" ? "" : formatter.complianceHelp) }
            return fixed(formatter.commandHelp(topic: topic))
        default:
            break
        }
        // After STOP nothing but an opt-in or HELP gets an answer (sms-rules.md §3).
        if user.isOptedOut { return fixed("") }
        switch command {
        case .add(let request):
            let draft = TaskDraft(
                title: request.title, priority: request.priority, dueAt: request.schedule?.dueAt,
                remindAt: request.schedule?.remindAt, timeZoneID: formatter.zone.identifier)
            let isDeadline = request.schedule?.isDeadline ?? false
            return Plan(change: .addTask(draft)) { outcome in
                guard case .added(let task) = outcome else { return formatter.notUnderstood(hint: nil) }
                return formatter.added(task, isDeadline: isDeadline)
            }
        case .list(let view):
            return Plan(change: .list(doneOnly: view == .done)) { outcome in
                guard case .listed(let tasks) = outcome else { return "" }
                let shown = filter(tasks, view: view, now: now, zone: formatter.zone)
                var text = formatter.list(Array(shown.prefix(listLimit)), view: view)
                if shown.count > listLimit { text += "\n…and \(shown.count - listLimit) more" }
                return text
            }
        case .done(.numbers([])), .skip([]), .move([], _):
            // Acting on the last reminder without a number arrives with the reminder context.
            return fixed(formatter.refusal(.done, .badNumber))
        case .done(let selector):
            let change: TaskChange =
                switch selector {
                case .numbers(let numbers): .completeNumbers(numbers)
                case .query(let query): .completeMatching(query)
                }
            return Plan(change: change) { render($0, formatter: formatter) }
        case .delete(let selector):
            let change: TaskChange =
                switch selector {
                case .numbers(let numbers): .deleteNumbers(numbers)
                case .query(let query): .deleteMatching(query)
                }
            return Plan(change: change) { render($0, formatter: formatter) }
        case .undo:
            return Plan(change: .undo) { render($0, formatter: formatter) }
        case .consent:
            return fixed(formatter.nothingPending)
        case .refused(let name, let error):
            return fixed(formatter.refusal(name, error))
        case .unknown(let hint):
            // "stop reminding me about laundry" is not an opt-out (DESIGN §2): say how to do either.
            let firstWord = text.trimmingWhitespace().split(separator: " ").first?.lowercased() ?? ""
            if ["stop", "cancel", "quit", "end", "unsubscribe"].contains(firstWord) {
                return fixed(formatter.notAnOptOut)
            }
            return fixed(formatter.notUnderstood(hint: hint))
        case .stop, .start, .help:
            return fixed("")
        case .snooze, .move, .rename, .skip, .agenda, .timezone, .quiet, .digest, .email, .link, .assign, .students,
            .progress, .unlink:
            return fixed(formatter.notYetAvailable(command.name))
        }
    }

    static func render(_ outcome: ChangeOutcome, formatter: ReplyFormatter) -> String {
        switch outcome {
        case .completed(let tasks, let missing): formatter.completed(tasks, missing: missing)
        case .deleted(let tasks, let missing): formatter.deleted(tasks, missing: missing)
        case .ambiguous(let query, let matches): formatter.ambiguous(query, matches)
        case .noMatch(let query): formatter.noMatch(query)
        case .undone(let description): formatter.undone(description)
        case .nothingToUndo: formatter.nothingToUndo
        default: formatter.notUnderstood(hint: nil)
        }
    }

    /// The tasks a list view shows, in the person's zone.
    static func filter(_ tasks: [TaskItem], view: ListView, now: Date, zone: TimeZone) -> [TaskItem] {
        let today = ZonedTime.local(now, in: zone).date
        func day(_ task: TaskItem) -> LocalDate? { task.dueAt.map { ZonedTime.local($0, in: zone).date } }
        switch view {
        case .all, .done, .more: return tasks
        case .today: return tasks.filter { day($0).map { $0 <= today } ?? false }
        case .tomorrow: return tasks.filter { day($0) == today.adding(days: 1) }
        case .week: return tasks.filter { day($0).map { $0 <= today.adding(days: 7) } ?? false }
        case .overdue: return tasks.filter { ($0.dueAt ?? .distantFuture) < now }
        }
    }
}
