import Foundation
import TaskPulseCommands
import TaskPulseDomain
import TaskPulseStorage
import TaskPulseTiming

/// Words for what a stored change did. Every reply says how the text was understood (DESIGN §2).
struct OutcomeReplies {
    let formatter: ReplyFormatter

    func text(for outcome: ChangeOutcome) -> String {
        switch outcome {
        case .partner(let partnerOutcome):
            return PartnerReplies(formatter: formatter).text(for: partnerOutcome)
        case .added(let task, let upcoming):
            if let rule = task.recurrence { return addedRepeating(task, rule: rule, upcoming: upcoming) }
            return formatter.added(task, isDeadline: (task.remindAt ?? task.dueAt) != task.dueAt || task.remindAt == nil)
        case .completed(let tasks, let missing, let next):
            var text = formatter.completed(tasks, missing: missing)
            for task in next {
                text += " Next \(task.title): \(task.dueAt.map(formatter.moment) ?? "-")."
            }
            return text.isEmpty ? formatter.noSuchTask(missing) : text
        case .deleted(let tasks, let missing):
            return formatter.deleted(tasks, missing: missing)
        case .ambiguous(let query, let matches):
            let options = matches.enumerated().map { "\($0.offset + 1)) \($0.element.title)" }.joined(separator: " ")
            return "Which one matches \"\(query)\"? \(options). Reply with 1-\(matches.count)."
        case .needsScope(let task):
            let rule = task.recurrence.map { $0.phrase(currentYear: currentYear) } ?? "repeats"
            return "#\(task.number) \(task.title) repeats \(rule). Delete 1) this one or 2) all of them? Reply 1 or 2."
        case .noMatch(let query):
            return formatter.noMatch(query)
        case .noReminderContext:
            return "Which task? Add its number, e.g. \"done 2\" or \"snooze 2 30m\". Text LIST to see numbers."
        case .snoozed(let tasks, let missing):
            guard !tasks.isEmpty else { return formatter.noSuchTask(missing) }
            let list = tasks.map { "#\($0.number) \($0.title)" }.joined(separator: ", ")
            let until = tasks[0].remindAt.map(formatter.moment) ?? "-"
            return "Snoozed \(list) until \(until). UNDO to revert."
        case .moved(let tasks, let missing):
            guard !tasks.isEmpty else { return formatter.noSuchTask(missing) }
            let list = tasks.map { "#\($0.number) \($0.title)" }.joined(separator: ", ")
            return "Moved \(list) to \(tasks[0].dueAt.map(formatter.moment) ?? "-"). UNDO to revert."
        case .renamed(let task):
            guard let task else { return "No open task with that number. Text LIST to see numbers." }
            return "Renamed #\(task.number) to \(task.title). UNDO to revert."
        case .skipped(let task, let next):
            let after = next.map { " Next: \($0.dueAt.map(formatter.moment) ?? "-")." } ?? " That was the last one."
            return "Skipped \(task.title) this time.\(after) UNDO to revert."
        case .undone(let description):
            return formatter.undone(description)
        case .nothingToUndo:
            return formatter.nothingToUndo
        case .listed(let page, let total, let offset, let view):
            return list(page, total: total, offset: offset, view: view)
        case .settingsChanged(let user, let moved):
            return settings(user, moved: moved)
        case .emailVerificationSent(let address):
            return "Check \(address) for a link to confirm it (it works for 24 hours). Then choose what comes by email, "
                + "e.g. WEEKLY EMAIL or ALL BOTH."
        case .emailAlreadyConfirmed(let address):
            return "\(address) is already confirmed. Choose what comes by email, e.g. WEEKLY EMAIL or REMINDERS BOTH."
        case .emailRateLimited:
            return "That's enough confirmation emails for today. Check your inbox (and spam folder), or try again tomorrow."
        case .emailRemoved(let address):
            guard let address else { return "You have no email address on file. Everything comes by text." }
            return "Removed \(address). Everything comes by text now."
        case .emailStatus(let user, let pending):
            return emailStatus(user, pendingAddress: pending)
        case .recentDeliveries(let deliveries):
            // (The store leaves out canceled rows, so an SMS row that went by email only never shows.)
            guard !deliveries.isEmpty else { return "Nothing has been sent to you yet." }
            let lines = deliveries.map { delivery -> String in
                var body = delivery.body ?? delivery.kind.rawValue
                if delivery.channel == .email {
                    let subject = body.hasPrefix("Subject: ") ? String(body.dropFirst(9).prefix { $0 != "\n" }) : body
                    body = "email: " + subject
                }
                let what = body.count > 40 ? body.prefix(40).trimmingWhitespace() + "..." : Substring(body)
                let when = (delivery.sentAt ?? delivery.dueAt)
                var state = delivery.status.rawValue
                if let code = delivery.errorCode, delivery.status != .sent, delivery.status != .delivered {
                    state += " (\(code))"
                }
                return "\(formatter.day(when)) \(formatter.clock(ZonedTime.local(when, in: formatter.zone).time)): \(what) \(state)"
            }
            return (["Lately:"] + lines).joined(separator: "\n")
        case .noPendingQuestion:
            return "There's no question waiting for an answer. Text LIST to see your tasks."
        case .optedOut, .optedIn, .recorded:
            return ""
        }
    }

    private var currentYear: Int { ZonedTime.local(formatter.now, in: formatter.zone).date.year }

    /// "Added #1 stretch, every weekday 7:00 AM EST, next Tue Nov 24, Wed Nov 25. UNDO to remove."
    private func addedRepeating(_ task: TaskItem, rule: Recurrence, upcoming: [Date]) -> String {
        let zone = formatter.zone
        let time = upcoming.first.map { ZonedTime.local($0, in: zone).time }
        var text = "Added #\(task.number) \(task.title), \(rule.phrase(currentYear: currentYear))"
        if rule.frequency != .hourly, let time, let first = upcoming.first {
            text += " \(formatter.clock(time)) \(ZonedTime.abbreviation(zone, at: first))"
        }
        if !upcoming.isEmpty {
            let days = upcoming.map { instant -> String in
                rule.frequency == .hourly ? formatter.moment(instant) : formatter.day(instant)
            }
            text += ", next " + days.joined(separator: ", ")
        }
        text += ". UNDO to remove."
        if let day = rule.byMonthDay.first(where: { $0 >= 29 }), rule.frequency == .monthly {
            text += " Months without a \(Recurrence.ordinal(day)) are skipped; for the last day text"
                + " \"every month on the last day\"."
        }
        return text
    }

    private func list(_ page: [TaskItem], total: Int, offset: Int, view: String) -> String {
        guard total > 0 else {
            switch view {
            case "done": return "Nothing completed yet."
            case "today", "agenda": return "Nothing due today. Text LIST for everything."
            case "tomorrow": return "Nothing due tomorrow."
            case "week": return "Nothing due this week."
            case "overdue": return "Nothing overdue."
            default: return "No open tasks. Text e.g. \"add call mom tomorrow 9am\"."
            }
        }
        guard !page.isEmpty else { return "That's all. Text LIST to start again." }
        let header = switch view {
        case "done": "Done:"
        case "today": "Due today:"
        case "agenda": "Today's agenda:"
        case "tomorrow": "Due tomorrow:"
        case "week": "Next 7 days:"
        case "overdue": "Overdue:"
        default: "Your tasks:"
        }
        var lines = [offset == 0 ? header : "\(header) (\(offset + 1)-\(offset + page.count) of \(total))"]
        lines += page.map(formatter.line)
        let remaining = total - offset - page.count
        if remaining > 0 { lines.append("Text MORE for \(remaining) more.") }
        return lines.joined(separator: "\n")
    }

    static let mailUnavailable =
        "Email isn't set up on this server yet (the operator needs to set SMTP_URL). Everything comes by text."

    /// Which address is on file and which kinds of messages go by email.
    private func emailStatus(_ user: User, pendingAddress: String?) -> String {
        var parts: [String] = []
        if let address = user.email.address, user.email.verifiedAt != nil {
            parts.append(
                user.email.unsubscribedAt == nil
                    ? "Email: \(address) (confirmed)."
                    : "Email: \(address), unsubscribed. Text EMAIL \(address) to turn it back on.")
        }
        if let pendingAddress, pendingAddress.lowercased() != user.email.address?.lowercased() {
            parts.append("\(pendingAddress) waits for you to open the link we emailed.")
        }
        if parts.isEmpty { parts.append("No email address yet. Text EMAIL you@example.com to add one.") }
        let names: [DeliveryKind: String] = [
            .reminder: "reminders", .agenda: "agenda", .nudge: "overdue nudges", .motivation: "motivation",
            .weekly: "weekly report",
        ]
        let byEmail = ChannelPreferences.routableKinds.filter { user.channels[$0] == .email }.compactMap { names[$0] }
        let byBoth = ChannelPreferences.routableKinds.filter { user.channels[$0] == .both }.compactMap { names[$0] }
        if byEmail.isEmpty && byBoth.isEmpty {
            parts.append("Everything comes by text. Change with e.g. WEEKLY EMAIL or REMINDERS BOTH.")
        } else {
            if !byEmail.isEmpty { parts.append("By email: \(byEmail.joined(separator: ", ")).") }
            if !byBoth.isEmpty { parts.append("By text and email: \(byBoth.joined(separator: ", ")).") }
            if user.email.unsubscribedAt != nil {
                parts.append("While you are unsubscribed, these come by text.")
            } else if !user.email.isUsable {
                parts.append("Until an address is confirmed, these come by text.")
            }
            parts.append("ALL TEXT puts everything back on text.")
        }
        return parts.joined(separator: " ")
    }

    private func settings(_ user: User, moved: Int) -> String {
        let settings = user.settings
        func time(_ minutes: Int) -> String {
            formatter.clock(LocalTime(hour: minutes / 60, minute: minutes % 60) ?? .midnight)
        }
        var parts: [String] = []
        let zone = TimeZone(identifier: user.timeZoneID) ?? formatter.zone
        parts.append("Time zone: \(user.timeZoneID) (\(ZonedTime.abbreviation(zone, at: formatter.now))).")
        if moved > 0 { parts.append("\(moved) upcoming task\(moved == 1 ? "" : "s") keep their local times.") }
        if let start = settings.quietStartMinutes, let end = settings.quietEndMinutes {
            parts.append("Quiet hours \(time(start))-\(time(end)).")
        } else {
            parts.append("Quiet hours off.")
        }
        parts.append(settings.morningEnabled ? "Morning agenda \(time(settings.morningMinutes))." : "Morning agenda off.")
        parts.append(
            settings.motivationEnabled ? "Evening motivation \(time(settings.eveningMinutes))." : "Evening motivation off.")
        parts.append(settings.weeklyEnabled ? "Weekly report on." : "Weekly report off.")
        return "Saved. " + parts.joined(separator: " ")
    }
}
