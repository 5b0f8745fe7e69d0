import Foundation
import Synchronization

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

    /// The zone's short name at `instant` ("EST", "CET"), falling back to a UTC offset ("UTC+4").
    public static func abbreviation(_ zone: TimeZone, at instant: Date) -> String {
        let isDaylight = zone.isDaylightSavingTime(for: instant)
        if let known = commonAbbreviations[zone.identifier] { return isDaylight ? known.daylight : known.standard }
        // ICU's localized names are slow (a tenth of a webhook's formatting time): remember them per zone,
        // daylight flag and offset, which is all the answer depends on.
        let key = AbbreviationKey(zone: zone.identifier, isDaylight: isDaylight, offset: zone.secondsFromGMT(for: instant))
        if let cached = abbreviationCache.withLock({ $0[key] }) { return cached }
        let name = uncachedAbbreviation(zone, at: instant, isDaylight: isDaylight)
        abbreviationCache.withLock { cache in
            if cache.count > 2_000 { cache.removeAll() }
            cache[key] = name
        }
        return name
    }

    private struct AbbreviationKey: Hashable {
        var zone: String
        var isDaylight: Bool
        var offset: Int
    }

    private static let abbreviationCache = Mutex<[AbbreviationKey: String]>([:])

    private static func uncachedAbbreviation(_ zone: TimeZone, at instant: Date, isDaylight: Bool) -> String {
        let style: NSTimeZone.NameStyle = isDaylight ? .shortDaylightSaving : .shortStandard
        if let name = zone.localizedName(for: style, locale: Locale(identifier: "en_US")),
            !name.hasPrefix("GMT+"), !name.hasPrefix("GMT-"), !name.contains(" ")
        {
            return name
        }
        let offset = zone.secondsFromGMT(for: instant)
        if offset == 0 { return "UTC" }
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        return minutes % 60 == 0 ? "UTC\(sign)\(minutes / 60)" : "UTC\(sign)\(minutes / 60):\(pad(minutes % 60))"
    }

    /// Names people know for zones ICU only names by offset on Linux.
    private static let commonAbbreviations: [String: (standard: String, daylight: String)] = [
        "Europe/London": ("GMT", "BST"), "Europe/Dublin": ("GMT", "IST"), "Europe/Lisbon": ("WET", "WEST"),
        "Europe/Berlin": ("CET", "CEST"), "Europe/Paris": ("CET", "CEST"), "Europe/Madrid": ("CET", "CEST"),
        "Europe/Rome": ("CET", "CEST"), "Europe/Amsterdam": ("CET", "CEST"), "Europe/Brussels": ("CET", "CEST"),
        "Europe/Vienna": ("CET", "CEST"), "Europe/Zurich": ("CET", "CEST"), "Europe/Stockholm": ("CET", "CEST"),
        "Europe/Oslo": ("CET", "CEST"), "Europe/Copenhagen": ("CET", "CEST"), "Europe/Warsaw": ("CET", "CEST"),
        "Europe/Prague": ("CET", "CEST"), "Europe/Athens": ("EET", "EEST"), "Europe/Helsinki": ("EET", "EEST"),
        "Europe/Kiev": ("EET", "EEST"), "Europe/Kyiv": ("EET", "EEST"), "Europe/Bucharest": ("EET", "EEST"),
        "Asia/Kolkata": ("IST", "IST"), "Asia/Tokyo": ("JST", "JST"), "Asia/Seoul": ("KST", "KST"),
        "Asia/Shanghai": ("CST", "CST"), "Asia/Hong_Kong": ("HKT", "HKT"), "Asia/Singapore": ("SGT", "SGT"),
        "Asia/Jerusalem": ("IST", "IDT"), "Australia/Sydney": ("AEST", "AEDT"), "Australia/Melbourne": ("AEST", "AEDT"),
        "Australia/Brisbane": ("AEST", "AEST"), "Australia/Adelaide": ("ACST", "ACDT"),
        "Australia/Perth": ("AWST", "AWST"),
        "Pacific/Auckland": ("NZST", "NZDT"), "America/Sao_Paulo": ("BRT", "BRT"),
        "Africa/Johannesburg": ("SAST", "SAST"),
        "Africa/Lagos": ("WAT", "WAT"), "Africa/Nairobi": ("EAT", "EAT"), "UTC": ("UTC", "UTC"),
        "Etc/UTC": ("UTC", "UTC"),
    ]
}
