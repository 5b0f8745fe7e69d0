import Foundation
import TaskPulseDomain

/// The ``OccurrenceCalculating`` the stores use, over ``RecurrenceCalculator`` and ``ZonedTime``.
public struct OccurrenceCalculator: OccurrenceCalculating {
    public init() {}

    private func zone(_ identifier: String) -> TimeZone { TimeZone(identifier: identifier) ?? .gmt }

    private func time(_ minutes: Int) -> LocalTime {
        LocalTime(hour: (minutes / 60) % 24, minute: minutes % 60) ?? LocalTime(hour: 9, minute: 0)!
    }

    public func nextOccurrence(
        of rule: Recurrence, atMinutes minutes: Int, in timeZoneID: String, anchorDay: Int, after instant: Date
    ) -> Date? {
        RecurrenceCalculator(
            rule: rule, zone: zone(timeZoneID), time: time(minutes), anchor: LocalDate(dayNumber: anchorDay)
        ).next(after: instant)
    }

    public func nextOccurrence(
        of rule: Recurrence, atMinutes minutes: Int, in timeZoneID: String, completedAt completion: Date
    ) -> Date {
        let zone = zone(timeZoneID)
        return RecurrenceCalculator(
            rule: rule, zone: zone, time: time(minutes), anchor: ZonedTime.local(completion, in: zone).date
        ).nextAfterCompletion(at: completion)
    }

    public func localDayNumber(of instant: Date, in timeZoneID: String) -> Int {
        ZonedTime.local(instant, in: zone(timeZoneID)).date.dayNumber
    }

    public func localMinuteOfDay(of instant: Date, in timeZoneID: String) -> Int {
        ZonedTime.local(instant, in: zone(timeZoneID)).time.minuteOfDay
    }

    public func startOfLocalDay(_ dayNumber: Int, in timeZoneID: String) -> Date {
        ZonedTime.instant(LocalDateTime(date: LocalDate(dayNumber: dayNumber), time: .midnight), in: zone(timeZoneID))
    }

    public func sameWallTime(as instant: Date, from oldZone: String, to newZone: String) -> Date {
        let wall = ZonedTime.local(instant, in: zone(oldZone))
        let seconds = instant.timeIntervalSince1970.truncatingRemainder(dividingBy: 60)
        return ZonedTime.instant(wall, in: zone(newZone)).addingTimeInterval(seconds)
    }
}
