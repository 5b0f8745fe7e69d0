import Foundation

/// Converts between instants and a zone's wall clock, with DESIGN §3's DST rules.
public enum ZonedTime {
    /// The wall-clock time of `instant` in `zone` (seconds dropped).
    public static func local(_ instant: Date, in zone: TimeZone) -> LocalDateTime {
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down))
        return LocalDateTime(secondsAsIfUTC: seconds + zone.secondsFromGMT(for: instant))
    }

    /// The instant a wall-clock time names in `zone`.
    ///
    /// A time that does not exist (spring forward) moves forward by the length of the gap; a
    /// time that occurs twice (fall back) means its first occurrence (RFC 5545, DESIGN §3).
    public static func instant(_ local: LocalDateTime, in zone: TimeZone) -> Date {
        let wall = local.secondsAsIfUTC
        // The offsets in force around this wall time; a day either side covers every real transition.
        let before = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(wall - 86_400)))
        let after = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(wall + 86_400)))
        var valid: [Int] = []
        for offset in Set([before, after]) {
            let candidate = wall - offset
            if zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(candidate))) == offset {
                valid.append(candidate)
            }
        }
        if let first = valid.min() {
            return Date(timeIntervalSince1970: TimeInterval(first))
        }
        // In a gap: read the wall time with the offset from before the jump, which lands the
        // same distance past the transition as the wall time was past its start.
        return Date(timeIntervalSince1970: TimeInterval(wall - before))
    }

    /// The zone's short name at `instant` ("EST", "CET"), falling back to a UTC offset.
    public static func abbreviation(_ zone: TimeZone, at instant: Date) -> String {
        if let name = zone.abbreviation(for: instant), !name.hasPrefix("GMT+"), !name.hasPrefix("GMT-") {
            return name
        }
        let offset = zone.secondsFromGMT(for: instant)
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        return minutes % 60 == 0 ? "UTC\(sign)\(minutes / 60)" : "UTC\(sign)\(minutes / 60):\(pad(minutes % 60))"
    }
}
