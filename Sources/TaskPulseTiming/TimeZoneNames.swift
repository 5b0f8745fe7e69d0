import Foundation

/// Maps what people text after `tz` to an IANA zone: ids (any case), common names and
/// abbreviations (`eastern`, `pacific`, `IST`), countries with one main zone, and city names.
public enum TimeZoneNames {
    /// The IANA id for `text`, or `nil` when nothing matches.
    public static func resolve(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 64 else { return nil }
        if TimeZone(identifier: trimmed) != nil, trimmed.contains("/") || trimmed == "UTC" { return trimmed }
        let key = normalize(trimmed)
        if let id = aliases[key] { return id }
        if let id = identifiersByKey[key] { return id }
        if let id = identifiersByCity[key] { return id }
        return nil
    }

    static func normalize(_ text: String) -> String {
        text.lowercased().replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: "-", with: " ")
            .split(separator: " ").joined(separator: " ")
            .replacingOccurrences(of: " time", with: "").replacingOccurrences(of: "st. ", with: "st ")
    }

    /// Every known id, keyed by its lowercased form ("america/new york").
    static let identifiersByKey: [String: String] = {
        var map: [String: String] = [:]
        for id in TimeZone.knownTimeZoneIdentifiers { map[normalize(id)] = id }
        return map
    }()

    /// Every known id, keyed by its last component ("new york", "london"); the first id wins.
    static let identifiersByCity: [String: String] = {
        var map: [String: String] = [:]
        for id in TimeZone.knownTimeZoneIdentifiers.sorted() where id.contains("/") {
            let city = normalize(String(id.split(separator: "/").last!))
            if map[city] == nil { map[city] = id }
        }
        return map
    }()

    static let aliases: [String: String] = [
        // North America
        "eastern": "America/New_York", "east": "America/New_York", "et": "America/New_York", "est": "America/New_York",
        "edt": "America/New_York", "central": "America/Chicago", "ct": "America/Chicago", "cst": "America/Chicago",
        "cdt": "America/Chicago", "mountain": "America/Denver", "mt": "America/Denver", "mst": "America/Denver",
        "mdt": "America/Denver", "arizona": "America/Phoenix", "pacific": "America/Los_Angeles",
        "pt": "America/Los_Angeles", "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles",
        "alaska": "America/Anchorage", "akst": "America/Anchorage", "hawaii": "Pacific/Honolulu",
        "hst": "Pacific/Honolulu", "atlantic": "America/Halifax", "ast": "America/Halifax",
        "newfoundland": "America/St_Johns", "nyc": "America/New_York", "new york city": "America/New_York",
        "boston": "America/New_York", "washington": "America/New_York", "dc": "America/New_York",
        "miami": "America/New_York", "atlanta": "America/New_York", "philadelphia": "America/New_York",
        "dallas": "America/Chicago", "houston": "America/Chicago", "austin": "America/Chicago",
        "minneapolis": "America/Chicago", "seattle": "America/Los_Angeles", "san francisco": "America/Los_Angeles",
        "sf": "America/Los_Angeles", "la": "America/Los_Angeles", "portland": "America/Los_Angeles",
        "san diego": "America/Los_Angeles", "las vegas": "America/Los_Angeles", "salt lake city": "America/Denver",
        "montreal": "America/Toronto", "ottawa": "America/Toronto", "calgary": "America/Edmonton",
        // Europe and Africa
        "gmt": "Europe/London", "bst": "Europe/London", "uk": "Europe/London", "britain": "Europe/London",
        "england": "Europe/London", "scotland": "Europe/London", "wales": "Europe/London", "ireland": "Europe/Dublin",
        "cet": "Europe/Berlin", "cest": "Europe/Berlin", "germany": "Europe/Berlin", "france": "Europe/Paris",
        "spain": "Europe/Madrid", "italy": "Europe/Rome", "netherlands": "Europe/Amsterdam",
        "portugal": "Europe/Lisbon", "poland": "Europe/Warsaw", "sweden": "Europe/Stockholm", "norway": "Europe/Oslo",
        "denmark": "Europe/Copenhagen", "switzerland": "Europe/Zurich", "austria": "Europe/Vienna",
        "greece": "Europe/Athens", "finland": "Europe/Helsinki", "ukraine": "Europe/Kyiv", "turkey": "Europe/Istanbul",
        "eet": "Europe/Athens", "munich": "Europe/Berlin", "frankfurt": "Europe/Berlin", "hamburg": "Europe/Berlin",
        "barcelona": "Europe/Madrid", "milan": "Europe/Rome", "manchester": "Europe/London",
        "edinburgh": "Europe/London", "kiev": "Europe/Kyiv", "moscow": "Europe/Moscow", "msk": "Europe/Moscow",
        "egypt": "Africa/Cairo", "nigeria": "Africa/Lagos", "kenya": "Africa/Nairobi", "south africa": "Africa/Johannesburg",
        "sast": "Africa/Johannesburg", "cape town": "Africa/Johannesburg",
        // Asia and Oceania
        "ist": "Asia/Kolkata", "india": "Asia/Kolkata", "mumbai": "Asia/Kolkata", "delhi": "Asia/Kolkata",
        "new delhi": "Asia/Kolkata", "bangalore": "Asia/Kolkata", "bengaluru": "Asia/Kolkata", "chennai": "Asia/Kolkata",
        "hyderabad": "Asia/Kolkata", "calcutta": "Asia/Kolkata", "pakistan": "Asia/Karachi", "bangladesh": "Asia/Dhaka",
        "japan": "Asia/Tokyo", "jst": "Asia/Tokyo", "osaka": "Asia/Tokyo", "korea": "Asia/Seoul", "kst": "Asia/Seoul",
        "china": "Asia/Shanghai", "beijing": "Asia/Shanghai", "hong kong": "Asia/Hong_Kong", "hkt": "Asia/Hong_Kong",
        "taiwan": "Asia/Taipei", "singapore": "Asia/Singapore", "sgt": "Asia/Singapore", "philippines": "Asia/Manila",
        "thailand": "Asia/Bangkok", "vietnam": "Asia/Ho_Chi_Minh", "indonesia": "Asia/Jakarta",
        "uae": "Asia/Dubai", "abu dhabi": "Asia/Dubai", "israel": "Asia/Jerusalem", "tel aviv": "Asia/Jerusalem",
        "saudi arabia": "Asia/Riyadh", "australia": "Australia/Sydney", "aest": "Australia/Sydney",
        "aedt": "Australia/Sydney", "canberra": "Australia/Sydney", "new zealand": "Pacific/Auckland",
        "nz": "Pacific/Auckland", "nzst": "Pacific/Auckland", "nzdt": "Pacific/Auckland", "wellington": "Pacific/Auckland",
        // Latin America
        "brazil": "America/Sao_Paulo", "brt": "America/Sao_Paulo", "rio": "America/Sao_Paulo",
        "rio de janeiro": "America/Sao_Paulo", "mexico": "America/Mexico_City", "argentina": "America/Argentina/Buenos_Aires",
        "buenos aires": "America/Argentina/Buenos_Aires", "colombia": "America/Bogota", "peru": "America/Lima",
        "chile": "America/Santiago",
        // Universal
        "utc": "UTC", "z": "UTC", "zulu": "UTC", "universal": "UTC",
    ]
}
