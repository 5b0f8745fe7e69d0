import Foundation
import TaskPulseCommands
import TaskPulseDomain
import TaskPulseStorage
import TaskPulseTiming

/// Decides, for a parsed command, the change to store and how to word the reply. Pure.
struct CommandPlanner {
    let formatter: ReplyFormatter
    let now: Date
    /// Whether this server can send email (SMTP_URL set, or the dev outbox).
    var mailAvailable = true
    /// Makes the secret for an address confirmation link.
    var makeToken: @Sendable () -> String = EmailTokens.make
    /// The zone an assignment's words were read in (the student's), when it differs from the texter's.
    var draftZone: TimeZone?

    struct Plan: Sendable {
        var change: TaskChange
        var render: @Sendable (ChangeOutcome) -> String
        /// Whether a new number's first text gets the welcome before this reply (not for STOP/HELP).
        var welcomes = true
    }

    private func fixed(_ reply: String, _ change: TaskChange = .none, welcomes: Bool = true) -> Plan {
        Plan(change: change, render: { _ in reply }, welcomes: welcomes)
    }

    private func plan(_ change: TaskChange) -> Plan {
        let formatter = self.formatter
        return Plan(change: change) { OutcomeReplies(formatter: formatter).text(for: $0) }
    }

    func plan(_ command: Command, text: String, user: User, optOutType: String?) -> Plan {
        let twilioAnswered = optOutType?.uppercased()
        switch command {
        case .stop:
            // One confirmation only: none when Twilio already sent its own (OptOutType) or when the
            // person was already opted out (sms-rules.md §3).
            let confirmation = twilioAnswered == "STOP" ? "" : formatter.optOutConfirmation
            return Plan(change: .optOut(wording: String(text.prefix(160))), render: { outcome in
                if case .optedOut(wasAlreadyOptedOut: true) = outcome { return "" }
                return confirmation
            }, welcomes: false)
        case .start:
            return optIn(text, twilioAnswered: twilioAnswered)
        case .consent(true) where user.isOptedOut:
            // YES is Twilio's opt-in word: from an opted-out number it means START (DESIGN §2).
            return optIn(text, twilioAnswered: twilioAnswered)
        case .help(let topic):
            if topic == nil { return fixed(twilioAnswered == "HELP" ? "" : formatter.complianceHelp, welcomes: false) }
            return fixed(formatter.commandHelp(topic: topic))
        default:
            break
        }
        // After STOP nothing but an opt-in or HELP gets an answer (sms-rules.md §3).
        if user.isOptedOut { return fixed("", welcomes: false) }
        switch command {
        case .add(let request):
            // Where the text could mean two things, the reply says which reading was taken (DESIGN §2).
            let readings = request.schedule?.readings ?? []
            let formatter = self.formatter
            return Plan(change: .addTask(draft(request))) { outcome in
                let text = OutcomeReplies(formatter: formatter).text(for: outcome)
                guard case .added(let task, _) = outcome, !readings.isEmpty else { return text }
                return text + formatter.readingNote(readings, taskNumber: task.number)
            }
        case .list(.more):
            return plan(.listMore)
        case .list(let view):
            return plan(.list(listQuery(view)))
        case .agenda:
            let formatter = self.formatter
            let today = listQuery(.today)
            return Plan(change: .list(ListQuery(view: "agenda", dueBefore: today.dueBefore))) { outcome in
                OutcomeReplies(formatter: formatter).text(for: outcome)
            }
        case .done(let selector):
            return plan(.complete(target(selector)))
        case .delete(let selector):
            return plan(.delete(target(selector), scope: nil))
        case .undo:
            return plan(.undo)
        case .snooze(let request):
            let target: TaskTarget = request.numbers.isEmpty ? .lastReminded : .numbers(request.numbers)
            return plan(.snooze(target, seconds: request.durationSeconds, until: request.until))
        case .move(let numbers, let schedule):
            let target: TaskTarget = numbers.isEmpty ? .lastReminded : .numbers(numbers)
            return plan(.move(target, dueAt: schedule.dueAt, remindAt: schedule.remindAt))
        case .rename(let numbers, let title):
            return plan(.rename(number: numbers[0], title: title))
        case .skip(let numbers):
            return plan(.skip(numbers.isEmpty ? .lastReminded : .numbers(numbers)))
        case .choose(let option):
            return plan(.choose(option))
        case .timezone(let zone):
            return plan(.settings(.timeZone(zone)))
        case .quiet(.off):
            return plan(.settings(.quiet(startMinutes: nil, endMinutes: nil)))
        case .quiet(.window(let start, let end)):
            return plan(.settings(.quiet(startMinutes: start.minuteOfDay, endMinutes: end.minuteOfDay)))
        case .digest(let kind, let setting):
            return plan(.settings(settingsChange(kind, setting)))
        case .consent(let accept):
            return plan(.partner(.answer(accept: accept, choice: nil)))
        case .consentChoice(let accept, let choice):
            return plan(.partner(.answer(accept: accept, choice: choice)))
        case .block(let choice):
            return plan(.partner(.block(choice: choice)))
        case .link(let phone, let name):
            guard let name else { return fixed("Give them a name too, e.g. \"link \(phone.e164) Sam\".") }
            if let problem = PartnerNames.problem(studentName: name) { return fixed(problem) }
            return plan(.partner(.invite(phone: phone, name: name)))
        case .assign(let name, let request):
            return plan(.partner(.assign(.name(name), draft(request))))
        case .students:
            return plan(.partner(.students))
        case .progress(let name):
            return plan(.partner(.progress(name.map { .name($0) })))
        case .unlink(let name):
            return plan(.partner(.unlink(name)))
        case .tell(let name, let text):
            if let problem = PartnerNames.problem(message: text) { return fixed(problem) }
            let recipients: MessageRecipients = name.map { .students([.name($0)]) } ?? .all
            return plan(.partner(.tell(recipients, text: text, spacing: PartnerNames.spacing(for: text))))
        case .alerts(let kind, let value):
            return plan(.partner(.alerts(
                done: kind == nil || kind == .done ? value : nil, overdue: kind == nil || kind == .overdue ? value : nil,
                weekly: kind == nil || kind == .weekly ? value : nil)))
        case .displayName(nil):
            return fixed(user.displayName.map { "Students see you as \($0). NAME <new name> changes it." }
                ?? "Students see your number only. NAME Ms Lee sets the name they see.")
        case .displayName(let name?):
            if let problem = PartnerNames.problem(displayName: name) { return fixed(problem) }
            return plan(.partner(.displayName(name)))
        case .refused(let name, let error):
            return fixed(formatter.refusal(name, error))
        case .unknown(let hint):
            // "stop reminding me about laundry" is not an opt-out (DESIGN §2): say how to do either.
            let firstWord = text.trimmingWhitespace().split(separator: " ").first?.lowercased() ?? ""
            if ["stop", "cancel", "quit", "end", "unsubscribe"].contains(firstWord) {
                return fixed(formatter.notAnOptOut)
            }
            return fixed(formatter.notUnderstood(hint: hint))
        case .status:
            return plan(.recentDeliveries)
        case .email(let address):
            guard mailAvailable else { return fixed(OutcomeReplies.mailUnavailable) }
            return plan(.requestEmail(address: address, token: makeToken()))
        case .emailStatus:
            return plan(.showEmail)
        case .emailRemove:
            return plan(.removeEmail)
        case .channel(let kinds, let choice):
            guard mailAvailable || choice == .sms else { return fixed(OutcomeReplies.mailUnavailable) }
            return plan(.setChannels(kinds, choice))
        case .stop, .start, .help:
            return fixed("")
        }
    }

    private func optIn(_ text: String, twilioAnswered: String?) -> Plan {
        fixed(
            twilioAnswered == "START" ? "" : formatter.optInConfirmation, .optIn(wording: String(text.prefix(160))),
            welcomes: false)
    }

    private func target(_ selector: TaskSelector) -> TaskTarget {
        switch selector {
        case .numbers(let numbers): numbers.isEmpty ? .lastReminded : .numbers(numbers)
        case .query(let query): .query(query)
        }
    }

    func draft(_ request: AddRequest) -> TaskDraft {
        TaskDraft(
            title: request.title, priority: request.priority, dueAt: request.schedule?.dueAt,
            remindAt: request.schedule?.remindAt, timeZoneID: (draftZone ?? formatter.zone).identifier, recurrence: request.recurrence,
            occurrenceMinutes: request.occurrenceTime?.minuteOfDay)
    }

    /// The instants a list view covers, in the person's zone.
    func listQuery(_ view: ListView) -> ListQuery {
        let zone = formatter.zone
        let today = ZonedTime.local(now, in: zone).date
        func midnight(_ offset: Int) -> Date {
            ZonedTime.instant(LocalDateTime(date: today.adding(days: offset), time: .midnight), in: zone)
        }
        switch view {
        case .all, .more: return ListQuery(view: "all")
        case .done: return ListQuery(view: "done", doneOnly: true)
        case .today: return ListQuery(view: "today", dueBefore: midnight(1))
        case .tomorrow: return ListQuery(view: "tomorrow", dueFrom: midnight(1), dueBefore: midnight(2))
        case .week: return ListQuery(view: "week", dueBefore: midnight(8))
        case .overdue: return ListQuery(view: "overdue", dueBefore: now)
        }
    }

    private func settingsChange(_ kind: DigestKind, _ setting: DigestSetting) -> SettingsChange {
        let minutes: Int? = if case .at(let time) = setting { time.minuteOfDay } else { nil }
        let enabled: Bool? = switch setting {
        case .on, .at: true
        case .off: false
        }
        switch kind {
        case .morning: return .morning(minutes: minutes, enabled: enabled)
        case .evening, .motivation: return .evening(minutes: minutes, enabled: enabled)
        case .weekly: return .weekly(enabled: enabled ?? true)
        }
    }
}
