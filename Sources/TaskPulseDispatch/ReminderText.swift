import Foundation
import TaskPulseDomain
import TaskPulseMessaging
import TaskPulseTiming

/// The words of a reminder SMS, rendered at send time from the task as it is then.
public enum ReminderText {
    /// A reminder is "late" when it goes out this long after its time (downtime, retries).
    public static let lateThreshold: TimeInterval = 120

    /// The reminder text from `prompts/sms/reminder.mustache`, rendered from the task as it is now.
    public static func render(
        task: TaskItem, dueAt: Date, now: Date, programName: String, templates: MessageTemplates
    ) -> String {
        var data: [String: Any] = ["program": programName, "title": task.title, "number": task.number]
        if now.timeIntervalSince(dueAt) > lateThreshold {
            let zone = TimeZone(identifier: task.timeZoneID) ?? .gmt
            let local = ZonedTime.local(dueAt, in: zone)
            let hour12 = local.time.hour % 12 == 0 ? 12 : local.time.hour % 12
            let minute = local.time.minute < 10 ? "0\(local.time.minute)" : "\(local.time.minute)"
            data["late"] = true
            data["due_time"] = "\(hour12):\(minute) \(local.time.hour < 12 ? "AM" : "PM")"
        }
        return templates.render("sms/reminder", data)
    }
}
