import Foundation
import TaskPulseDomain
import TaskPulseTiming

/// The words of a reminder SMS, rendered at send time from the task as it is then.
public enum ReminderText {
    /// A reminder is "late" when it goes out this long after its time (downtime, retries).
    public static let lateThreshold: TimeInterval = 120

    /// "TaskPulse: Reminder: call mom (#3). Reply DONE 3 when finished."
    public static func render(task: TaskItem, dueAt: Date, now: Date, programName: String) -> String {
        var text = "\(programName) reminder: \(task.title) (#\(task.number))"
        if now.timeIntervalSince(dueAt) > lateThreshold {
            let zone = TimeZone(identifier: task.timeZoneID) ?? .gmt
            let local = ZonedTime.local(dueAt, in: zone)
            let hour12 = local.time.hour % 12 == 0 ? 12 : local.time.hour % 12
            let minute = local.time.minute < 10 ? "0\(local.time.minute)" : "\(local.time.minute)"
            text += ", sent late: it was due \(hour12):\(minute) \(local.time.hour < 12 ? "AM" : "PM")"
        }
        return text + ". Reply DONE \(task.number) when finished."
    }
}
