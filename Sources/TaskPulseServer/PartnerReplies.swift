import Foundation
import TaskPulseCommands
import TaskPulseDispatch
import TaskPulseDomain
import TaskPulseStorage
import TaskPulseTiming

extension MessageRecipient {
    /// When a queued message reaches the student: its slot, or the end of the student's quiet hours
    /// around it (the dispatcher holds it until then). `nil` when it is not sent at all.
    var arrival: (at: Date, afterQuietHours: Bool)? {
        guard case .queued(let slot) = outcome else { return nil }
        guard let student, let end = QuietHours.end(containing: slot, settings: student.settings, zoneID: student.timeZoneID)
        else { return (slot, false) }
        return (end, true)
    }
}

/// Words for partner and student outcomes (issue 7), in the texter's zone.
struct PartnerReplies {
    let formatter: ReplyFormatter

    func text(for outcome: PartnerOutcome) -> String {
        switch outcome {
        case .invited(let link):
            return "Asked \(link.studentName) (\(link.studentPhone.e164)) to link. Nothing else reaches them until they "
                + "reply YES; the request expires \(formatter.day(link.expiresAt)). Text STUDENTS to check."
        case .alreadyLinked(let link):
            return "\(link.studentName) is already linked. ASSIGN \(link.studentName) ... to give them a task."
        case .alreadyPending(let link):
            return "\(link.studentName) hasn't answered yet (asked \(formatter.day(link.invitedAt))); "
                + "no second request is sent. It expires \(formatter.day(link.expiresAt))."
        case .inviteRefused(let until):
            guard let until else { return "That number can't be invited: they asked not to get requests from you." }
            return "That number can't be invited again before \(formatter.day(until))."
        case .inviteLimit(let perDay):
            return "You can invite \(perDay) new numbers a day. Try again tomorrow."
        case .ownNumber:
            return "That's your own number. LINK +15551234567 Sam invites someone else."
        case .nameTaken(let link):
            return "You already call \(link.studentPhone.masked) \(link.studentName). Pick another name."
        case .needsDisplayName:
            return "Set the name students will see first, e.g. NAME Ms Lee."
        case .accepted(let link):
            return "You're linked with \(link.partnerLabel). They can assign you tasks and see progress on those only, "
                + "never your own list. UNLINK ends it any time."
        case .declined(let link):
            return "Declined. \(link.partnerLabel) can't ask again for 30 days. BLOCK stops their requests for good."
        case .blocked(let link):
            return "Blocked \(link.partnerLabel): no more requests or messages from them."
        case .choose(let kind, let links):
            let options = links.enumerated().map { "\($0.offset + 1)) \($0.element.partnerLabel)" }.joined(separator: " ")
            let word = kind.uppercased()
            return "Which one? \(options). Reply \(word) 1\(links.count > 1 ? " or \(word) 2" : "")."
        case .nothingPending:
            return formatter.nothingPending
        case .requestExpired(let link):
            return "The request from \(link.partnerLabel) expired. Ask them to send a new one."
        case .unlinked(let link, let byPartner):
            if link.status == .unlinked, link.respondedAt == nil, byPartner {
                return "Withdrew the request to \(link.studentName)."
            }
            return byPartner
                ? "Unlinked \(link.studentName). Their tasks stay on their list; you no longer see them."
                : "Unlinked from \(link.partnerLabel). Their tasks stay on your list; they no longer see your progress."
        case .chooseUnlink(let asPartner, let asStudent):
            let names = asPartner.map(\.studentName) + asStudent.map(\.partnerLabel)
            return "Unlink whom? \(names.joined(separator: ", ")). E.g. UNLINK \(asPartner.first?.studentName ?? "Ms Lee")."
        case .noLinks:
            return "You have no links. A partner texts LINK +15551234567 Sam to invite a student."
        case .noSuchStudent(let name):
            return "No student called \(name). Text STUDENTS to see yours, or LINK +15551234567 \(name) to invite."
        case .notYetAccepted(let link):
            return "\(link.studentName) hasn't said yes yet (asked \(formatter.day(link.invitedAt))). "
                + "Nothing reaches them until they do."
        case .assigned(let link, let task, let zoneID):
            var studentClock = formatter
            studentClock.zone = TimeZone(identifier: zoneID) ?? formatter.zone
            let due = task.dueAt.map { ", due \(studentClock.moment($0))" } ?? ""
            let repeats = task.recurrence.map { ", repeats \($0.phrase(currentYear: currentYear))" } ?? ""
            let zone = zoneID == formatter.zone.identifier ? "" : " (\(link.studentName)'s time)"
            return "Assigned to \(link.studentName): \(task.title)\(due)\(zone)\(repeats). "
                + "They'll get reminders; you'll hear when it's done."
        case .students(let statuses):
            guard !statuses.isEmpty else { return "No students yet. LINK +15551234567 Sam invites one." }
            let lines = statuses.prefix(8).map { PartnerSummaryLine.text($0, day: formatter.day) }
            let more = statuses.count > 8 ? "\n+\(statuses.count - 8) more on the web" : ""
            return lines.joined(separator: "\n") + more
        case .progress(let status, let assigned):
            return progress(status, assigned: assigned)
        case .told(let recipients):
            return told(recipients)
        case .tellLimit(let perDay):
            return "You've sent \(perDay) messages to students today; try again tomorrow."
        case .alerts(let settings):
            func onOff(_ value: Bool) -> String { value ? "on" : "off" }
            return "Alerts: done \(onOff(settings.done)), overdue \(onOff(settings.overdue)), weekly summary "
                + "\(onOff(settings.weekly)). E.g. ALERTS DONE OFF."
        case .displayNameSet(let name):
            guard let name else { return "Students now see your number only." }
            return "Students will see you as \(name)."
        }
    }

    private var currentYear: Int { ZonedTime.local(formatter.now, in: formatter.zone).date.year }

    private func progress(_ status: StudentStatus, assigned: [TaskItem]) -> String {
        var text = PartnerSummaryLine.text(status, day: formatter.day) + "."
        let open = assigned.filter { $0.status == .open }.prefix(4)
        let done = assigned.filter { $0.status == .done }.prefix(3)
        if !open.isEmpty {
            text += " Open: " + open.map { task in
                let overdue = task.dueAt.map { $0 < formatter.now } ?? false
                return task.title + (task.dueAt.map { " (\(overdue ? "was due" : "due") \(formatter.day($0)))" } ?? "")
            }.joined(separator: "; ") + "."
        }
        if !done.isEmpty { text += " Done: " + done.map(\.title).joined(separator: "; ") + "." }
        return text
    }

    private func told(_ recipients: [MessageRecipient]) -> String {
        var reached = 0
        var held: [String] = []
        var skipped: [String] = []
        for recipient in recipients {
            let name = recipient.link?.studentName ?? ""
            switch recipient.outcome {
            case .queued:
                reached += 1
                if let arrival = recipient.arrival, arrival.afterQuietHours {
                    held.append("\(name) at \(formatter.moment(arrival.at))")
                }
            case .optedOut: skipped.append("\(name) (opted out of texts)")
            case .notLinked: skipped.append("\(name) (hasn't said yes)")
            case .unknown(let reference): skipped.append("\(reference) (no such student)")
            }
        }
        guard reached > 0 || !skipped.isEmpty else { return "You have no linked students yet." }
        var text = "Sent to \(reached) of \(recipients.count) student\(recipients.count == 1 ? "" : "s")."
        if !held.isEmpty { text += " After quiet hours: \(held.joined(separator: ", "))." }
        if !skipped.isEmpty { text += " Not sent: \(skipped.joined(separator: ", "))." }
        return text
    }
}
