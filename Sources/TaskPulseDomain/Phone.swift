/// A phone number in E.164 form (`+` then 8 to 15 digits, first digit not 0).
///
/// Twilio sends `From`/`To` in E.164 already; people typing a number (the simulator, later
/// `link`) may add spaces, dashes, dots or parentheses, which are dropped. A 10-digit number
/// without a country code is taken as North American (+1), the service's default country.
public struct Phone: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The E.164 form, for example `+15551234567`.
    public let e164: String

    /// Parses a phone number, returning `nil` when it cannot be an E.164 number.
    public init?(_ text: some StringProtocol) {
        var digits = ""
        var sawPlus = false
        for (offset, character) in text.trimmingWhitespace().enumerated() {
            if character == "+" && offset == 0 {
                sawPlus = true
            } else if let ascii = character.asciiValue, ascii >= 48, ascii <= 57 {
                digits.append(character)
            } else if " -.()".contains(character) {
                continue
            } else {
                return nil
            }
        }
        if !sawPlus {
            if digits.count == 10 {
                digits = "1" + digits
            } else if digits.count == 11, digits.hasPrefix("1") {
                // already carries the North American country code
            } else {
                return nil
            }
        }
        guard (8...15).contains(digits.count), digits.first != "0" else { return nil }
        self.e164 = "+" + digits
    }

    /// The number with all but the last four digits masked, for logs (STYLE.md §6).
    public var masked: String { "***" + e164.suffix(4) }

    public var description: String { e164 }

    /// The country calling code's first digits, used to guess a time zone.
    public var isNorthAmerican: Bool { e164.hasPrefix("+1") }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace and newlines (Foundation-free).
    public func trimmingWhitespace() -> Substring {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return slice
    }
}
