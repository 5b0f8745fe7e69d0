import Foundation
import TaskPulseDomain
import TaskPulseTiming

/// Words for the replies the bot texts back. Every reply says how the text was understood (DESIGN §2).
public struct ReplyFormatter: Sendable {
    public var zone: TimeZone
    /// The moment the reply is written: dates in another year show their year.
    public var now: Date
    /// The program name that opens compliance replies (sms-rules.md §5).
    public var programName: String
    /// Where people get help (sms-rules.md §6): a URL or an email address.
    public var helpContact: String

    public init(zone: TimeZone, now: Date, programName: String = "TaskPulse", helpContact: String) {
        self.zone = zone
        self.now = now
        self.programName = programName
        self.helpContact = helpContact
    }

    /// "Tue Nov 24 9:00 AM EST".
    public func moment(_ instant: Date) -> String {
        let local = ZonedTime.local(instant, in: zone)
        let weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][local.date.isoWeekday - 1]
        let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][
            local.date.month - 1]
        let year = local.date.year == ZonedTime.local(now, in: zone).date.year ? "" : " \(local.date.year)"
        return
            "\(weekday) \(month) \(local.date.day)\(year) \(clock(local.time)) \(ZonedTime.abbreviation(zone, at: instant))"
    }

    /// "Tue Nov 24" (with the year when it is not this year).
    public func day(_ instant: Date) -> String {
        let local = ZonedTime.local(instant, in: zone)
        let weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][local.date.isoWeekday - 1]
        let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][local.date.month - 1]
        let year = local.date.year == ZonedTime.local(now, in: zone).date.year ? "" : " \(local.date.year)"
        return "\(weekday) \(month) \(local.date.day)\(year)"
    }

    /// "9:00 AM".
    public func clock(_ time: LocalTime) -> String {
        let hour12 = time.hour % 12 == 0 ? 12 : time.hour % 12
        let minute = time.minute < 10 ? "0\(time.minute)" : "\(time.minute)"
        return "\(hour12):\(minute) \(time.hour < 12 ? "AM" : "PM")"
    }

    /// The reply to a task just added.
    public func added(_ task: TaskItem, isDeadline: Bool) -> String {
        var text = "Added #\(task.number) \(task.title)"
        if let due = task.dueAt {
            text += isDeadline ? ", due by \(moment(due))" : ", \(moment(due))"
            if let remind = task.remindAt, remind != due {
                text += ", reminder \(moment(remind))"
            } else if task.remindAt == nil {
                text += " (no reminder)"
            }
        } else {
            text += " (no date)"
        }
        if let priority = task.priority { text += ", " + priorityName(priority) + " priority" }
        return text + ". UNDO to remove."
    }

    /// A sentence saying which reading of an ambiguous phrase was taken and how to change it.
    public func readingNote(_ readings: [Reading], taskNumber: Int) -> String {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        var notes: [String] = []
        for reading in readings {
            switch reading {
            case .clockWithoutMeridiem(let hour, let minute):
                let time = clock(LocalTime(hour: hour, minute: minute) ?? .midnight)
                let other = hour >= 12 ? "am" : "pm"
                let minutes = minute == 0 ? "" : ":" + (minute < 10 ? "0\(minute)" : "\(minute)")
                let hour12 = hour % 12 == 0 ? 12 : hour % 12
                notes.append("Read as \(time); for \(other.uppercased()) text \"move \(taskNumber) \(hour12)\(minutes)\(other)\"")
            case .slashDate(let text, let month, let day):
                let otherMonth = months[day - 1]
                notes.append(
                    "Read \(text) as \(months[month - 1]) \(day); for \(month) \(otherMonth) text \"move \(taskNumber) \(month) \(otherMonth.lowercased())\"")
            }
        }
        return notes.isEmpty ? "" : " " + notes.joined(separator: ". ") + "."
    }

    func priorityName(_ priority: Priority) -> String {
        switch priority {
        case .high: "high"
        case .medium: "medium"
        case .low: "low"
        }
    }

    /// One line of a list: "#2 call mom (Tue Nov 24 9:00 AM EST)".
    public func line(_ task: TaskItem) -> String {
        var text = "#\(task.number) \(task.title)"
        if let due = task.dueAt { text += " (\(moment(due)))" }
        if task.recurrence != nil { text += " (repeats)" }
        if task.priority == .high { text += " !" }
        return text
    }

    /// The `list` reply.
    public func list(_ tasks: [TaskItem], view: ListView) -> String {
        guard !tasks.isEmpty else {
            return view == .done ? "Nothing completed yet." : "No open tasks. Text e.g. \"add call mom tomorrow 9am\"."
        }
        let header = view == .done ? "Done:" : "Your tasks:"
        return ([header] + tasks.map(line)).joined(separator: "\n")
    }

    /// The reply to `done`.
    public func completed(_ tasks: [TaskItem], missing: [Int]) -> String {
        summary("Done:", tasks, then: "UNDO to reopen.", missing: missing)
    }

    /// The reply to `delete`.
    public func deleted(_ tasks: [TaskItem], missing: [Int]) -> String {
        summary("Deleted", tasks, then: "UNDO to restore.", missing: missing)
    }

    /// "Done: #1 a, #2 b. UNDO to reopen. No open task #7. ..."
    private func summary(_ verb: String, _ tasks: [TaskItem], then next: String, missing: [Int]) -> String {
        var parts: [String] = []
        if !tasks.isEmpty {
            parts.append("\(verb) " + tasks.map { "#\($0.number) \($0.title)" }.joined(separator: ", ") + ". \(next)")
        }
        if !missing.isEmpty { parts.append(noSuchTask(missing)) }
        return parts.joined(separator: " ")
    }

    public func noSuchTask(_ numbers: [Int]) -> String {
        let list = numbers.map { "#\($0)" }.joined(separator: ", ")
        return "No open task \(list). Text LIST to see your numbers."
    }

    public func noMatch(_ query: String) -> String {
        "No open task matches \"\(query)\". Text LIST to see your tasks."
    }

    public func ambiguous(_ query: String, _ tasks: [TaskItem]) -> String {
        let options = tasks.prefix(5).map { "#\($0.number) \($0.title)" }.joined(separator: ", ")
        return
            "More than one task matches \"\(query)\": \(options). Reply with its number, e.g. DONE \(tasks[0].number)."
    }

    public func undone(_ description: String) -> String { "Undone: \(description)." }

    public var nothingToUndo: String { "Nothing to undo." }

    /// The HELP/INFO reply: one segment, program, contact, frequency, rates, STOP (sms-rules.md §6).
    public var complianceHelp: String {
        "\(programName): tasks & reminders by text. Help: \(helpContact). Msg freq varies. Msg&data rates may apply. Reply STOP to cancel."
    }

    /// `help` with a topic, or the longer command help.
    public func commandHelp(topic: String?) -> String {
        switch topic {
        case "add", "remind":
            return
                "add <task> <when>: add call mom tomorrow 9am, add essay by friday !high. remind me to stretch in 20 min."
        case "done", "complete":
            return "done <number(s)> or done <words>: done 2, done 2 4, done milk. UNDO reverts."
        case "delete", "del", "rm":
            return "delete <number(s)>: delete 3. UNDO restores."
        case "list", "ls":
            return "list: your open tasks with numbers. done list: what you finished."
        case "link", "partner", "partners", "students", "assign", "tell", "alerts":
            return "Partners: link +15551234567 Sam (they must reply YES) | assign Sam read ch 5 by fri | students | "
                + "progress Sam | tell all quiz moved to fri | alerts done off | unlink Sam | name Ms Lee"
        case "yes", "no", "block", "unlink":
            return "Students: YES or NO to a link request | BLOCK stops a partner's requests | UNLINK ends a link."
        default:
            return
                "Text: add call mom 5pm | remind me to stretch in 20 min | list | done 2 | delete 3 | undo. STOP to opt out."
        }
    }

    /// Opt-out confirmation (sms-rules.md §3): only confirms.
    public var optOutConfirmation: String {
        "\(programName): you're unsubscribed and will get no more texts from us. Reply START to resubscribe."
    }

    /// Opt-in confirmation (sms-rules.md §2).
    public var optInConfirmation: String {
        "\(programName): you're subscribed to the task reminders you set by text. Msg freq varies. Msg&data rates may apply. Reply HELP for help, STOP to opt out."
    }

    /// Replies to commands that could not be carried out, with a hint.
    public func refusal(_ command: CommandName, _ error: CommandError) -> String {
        switch (command, error) {
        case (.link, .badNumber): return "That doesn't look like a phone number. Try e.g. \"link +15551234567 Sam\"."
        case (.assign, .emptyTitle): return "What's the task? e.g. \"assign Sam read ch 5 by fri\"."
        case (.tell, .emptyTitle): return "What should I tell them? e.g. \"tell all quiz moved to friday\"."
        default: break
        }
        return switch error {
        case .missingTime: "When should I remind you? e.g. \"remind me to call mom at 5pm\" or \"in 20 min\"."
        case .badNumber: "Which task? Give its number, e.g. \"\(command.rawValue) 2\". Text LIST to see numbers."
        case .badDate: "That date doesn't exist. Try e.g. \"dec 3\" or \"friday 3pm\"."
        case .pastDate: "That time has already passed. Try a later one, e.g. \"tomorrow 9am\"."
        case .emptyTitle: "What's the task? e.g. \"add call mom tomorrow 9am\"."
        case .badZone: "I don't know that time zone. Try e.g. \"tz America/Chicago\", \"tz pacific\" or \"tz London\"."
        case .badEmail: "That doesn't look like an email address. Try e.g. \"email me@example.com\"."
        }
    }

    /// Anything not understood: a short hint, never silence.
    public func notUnderstood(hint: String?) -> String {
        if let hint {
            return "Sorry, I didn't get that. Did you mean \"\(hint.uppercased())\"? Text HELP for commands."
        }
        return "Sorry, I didn't get that. Try \"add call mom 5pm\", \"list\" or \"done 1\". Text HELP for more."
    }

    /// A text that starts like an opt-out but says more ("stop reminding me about laundry").
    public var notAnOptOut: String {
        "To stop all texts from \(programName), text STOP on its own. To drop one task, text DONE or DELETE with its number (LIST shows them)."
    }

    /// A YES or NO when no link request waits for one.
    public var nothingPending: String { "There's nothing waiting for a yes or no. Text HELP for commands." }
}
