import Foundation
import TaskPulseDomain
import TaskPulseTiming

/// The person's quiet hours (DESIGN §3), in their zone. Pure.
public enum QuietHours {
    /// When the quiet window that contains `instant` ends, or `nil` when `instant` is not in one.
    public static func end(containing instant: Date, settings: UserSettings, zoneID: String) -> Date? {
        guard let start = settings.quietStartMinutes, let end = settings.quietEndMinutes, start != end,
            let zone = TimeZone(identifier: zoneID)
        else { return nil }
        let local = ZonedTime.local(instant, in: zone)
        let minute = local.time.minuteOfDay
        let inside = start < end ? (minute >= start && minute < end) : (minute >= start || minute < end)
        guard inside, let endTime = LocalTime(hour: end / 60, minute: end % 60) else { return nil }
        let endDay = minute >= end ? local.date.adding(days: 1) : local.date
        return ZonedTime.instant(LocalDateTime(date: endDay, time: endTime), in: zone)
    }
}
