import Foundation

/// Time arithmetic the store needs for repeating tasks and zone changes. Implemented by
/// `TaskPulseTiming` and injected, so storage depends on the domain only (DESIGN §1).
public protocol OccurrenceCalculating: Sendable {
    /// The next occurrence of `rule` strictly after `instant`, at `minutes` after local midnight in the
    /// zone, counting intervals from `anchorDay` (days since 1970-01-01); `nil` when the rule has ended.
    func nextOccurrence(
        of rule: Recurrence, atMinutes minutes: Int, in timeZoneID: String, anchorDay: Int, after instant: Date
    ) -> Date?

    /// For a completion-based repeat: the next occurrence counted from `completion`.
    func nextOccurrence(of rule: Recurrence, atMinutes minutes: Int, in timeZoneID: String, completedAt completion: Date)
        -> Date

    /// The local date of `instant` in the zone, as days since 1970-01-01.
    func localDayNumber(of instant: Date, in timeZoneID: String) -> Int

    /// Minutes after local midnight of `instant` in the zone.
    func localMinuteOfDay(of instant: Date, in timeZoneID: String) -> Int

    /// The first instant of the local day `dayNumber` (days since 1970-01-01) in the zone.
    func startOfLocalDay(_ dayNumber: Int, in timeZoneID: String) -> Date

    /// The instant with the same wall-clock time as `instant` has in `oldZone`, read in `newZone`.
    func sameWallTime(as instant: Date, from oldZone: String, to newZone: String) -> Date
}
