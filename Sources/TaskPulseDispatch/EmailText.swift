import Foundation
import TaskPulseDomain
import TaskPulseMessaging
import TaskPulseStorage
import TaskPulseTiming

/// The words of the emails, from `prompts/email/` (issue 5). Emails carry whole lists (no segment
/// budget), rendered from the same content as the SMS so both channels say the same thing.
struct EmailText {
    let programName: String
    let templates: MessageTemplates
    let zone: TimeZone
    let now: Date
    /// The person's one-click unsubscribe link.
    let unsubscribeURL: String
    /// The most tasks an email lists.
    static let maximumItems = 50

    private var clock: DigestClock { DigestClock(zone: zone) }

    private func rows(_ tasks: [TaskItem], describe: (TaskItem) -> String) -> [[String: Any]] {
        tasks.prefix(EmailText.maximumItems).map { ["number": $0.number, "title": $0.title, "when": describe($0)] }
    }

    private func render(_ name: String, _ data: [String: Any]) -> PreparedEmail? {
        var data = data
        data["program"] = programName
        data["unsubscribe_url"] = unsubscribeURL
        guard let parts = templates.renderEmail(name, data) else { return nil }
        return PreparedEmail(subject: parts.subject, text: parts.text, html: parts.html)
    }

    func reminder(task: TaskItem, dueAt: Date) -> PreparedEmail? {
        var data: [String: Any] = ["title": task.title, "number": task.number, "day": clock.day(dueAt)]
        if now.timeIntervalSince(dueAt) > ReminderText.lateThreshold {
            data["late"] = true
            data["due_time"] = clock.time(dueAt)
        }
        return render("email/reminder", data)
    }

    func agenda(_ content: DigestContent) -> PreparedEmail? {
        render(
            "email/agenda",
            [
                "day": clock.day(now), "has_today": !content.dueToday.isEmpty,
                "today": rows(content.dueToday) { clock.time($0.dueAt ?? now) },
                "has_overdue": !content.overdue.isEmpty,
                "overdue": rows(content.overdue) { "was " + clock.day($0.dueAt ?? now) },
            ])
    }

    func nudge(_ content: DigestContent) -> PreparedEmail? {
        render(
            "email/nudge",
            [
                "count": content.newlyOverdue.count, "one": content.newlyOverdue.count == 1,
                "tasks": rows(content.newlyOverdue) { "due \(clock.day($0.dueAt ?? now)) \(clock.time($0.dueAt ?? now))" },
            ])
    }

    func weekly(_ content: DigestContent, onTimePercent: Int) -> PreparedEmail? {
        render(
            "email/weekly",
            [
                "done": content.completedThisWeek, "has_done": content.completedThisWeek > 0,
                "on_time_percent": onTimePercent, "has_streak": content.streakDays > 1, "streak": content.streakDays,
                "has_overdue": !content.overdue.isEmpty,
                "overdue": rows(content.overdue) { "was " + clock.day($0.dueAt ?? now) },
            ])
    }

    func motivation(line: String) -> PreparedEmail? {
        render("email/motivation", ["line": line])
    }

    /// The address confirmation: no unsubscribe link (the address has not subscribed to anything).
    static func verification(programName: String, templates: MessageTemplates, address: String, link: String, hours: Int)
        -> PreparedEmail?
    {
        let data: [String: Any] = ["program": programName, "address": address, "link": link, "hours": hours]
        guard let parts = templates.renderEmail("email/verify", data) else { return nil }
        return PreparedEmail(subject: parts.subject, text: parts.text, html: parts.html)
    }
}

/// Local days and clock times as the digests word them ("Tue Nov 24", "9:00 AM").
struct DigestClock {
    let zone: TimeZone

    func time(_ instant: Date) -> String {
        let local = ZonedTime.local(instant, in: zone).time
        let hour = local.hour % 12 == 0 ? 12 : local.hour % 12
        return "\(hour):\(local.minute < 10 ? "0" : "")\(local.minute) \(local.hour < 12 ? "AM" : "PM")"
    }

    func day(_ instant: Date) -> String {
        let local = ZonedTime.local(instant, in: zone).date
        let weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][local.isoWeekday - 1]
        let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][local.month - 1]
        return "\(weekday) \(month) \(local.day)"
    }
}
