/// How many SMS segments a text takes (twilio.md §9): GSM-7 when every character is in the GSM
/// 03.38 basic or extension table (160 septets single, 153 per part; extension characters take two
/// septets and a pair is never split across parts), otherwise UCS-2 (70 code units single, 67 per
/// part; characters outside the BMP, like most emoji, take two units and are never split).
public enum SegmentCounter {
    public enum Encoding: String, Sendable, Equatable {
        case gsm7 = "GSM-7"
        case ucs2 = "UCS-2"
    }

    /// The encoding and segment count of `text`.
    public static func count(_ text: String) -> (encoding: Encoding, segments: Int) {
        var septets: [Int] = []
        var isGSM = true
        for scalar in text.unicodeScalars {
            if basic.contains(scalar) {
                septets.append(1)
            } else if extended.contains(scalar) {
                septets.append(2)
            } else {
                isGSM = false
                break
            }
        }
        if isGSM { return (.gsm7, segments(units: septets, single: 160, perPart: 153)) }
        let units = text.unicodeScalars.map { $0.value > 0xFFFF ? 2 : 1 }
        return (.ucs2, segments(units: units, single: 70, perPart: 67))
    }

    /// Segments for characters of the given widths, never splitting a character across parts.
    static func segments(units: [Int], single: Int, perPart: Int) -> Int {
        let total = units.reduce(0, +)
        if total == 0 { return 1 }
        if total <= single { return 1 }
        var parts = 1
        var used = 0
        for width in units {
            if used + width > perPart {
                parts += 1
                used = 0
            }
            used += width
        }
        return parts
    }

    static let basic: Set<Unicode.Scalar> = Set(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
            .unicodeScalars)
    static let extended: Set<Unicode.Scalar> = Set("^{}\\[~]|€\u{0C}".unicodeScalars)
}
