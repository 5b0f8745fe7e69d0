/// TwiML messaging responses (twilio.md §3).
public enum TwiML {
    /// `<Response><Message>…</Message></Response>`, or `<Response/>` for no reply.
    public static func response(messages: [String]) -> String {
        let nonEmpty = messages.filter { !$0.isEmpty }
        guard !nonEmpty.isEmpty else { return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>" }
        let body = nonEmpty.map { "<Message>\(escape($0))</Message>" }.joined()
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>\(body)</Response>"
    }

    /// Escapes text for XML character data (TwiML puts text only in elements, so quotes stay as they are).
    public static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            default:
                // XML 1.0 forbids most control characters; drop them rather than emit invalid XML.
                if scalar.value < 0x20 && scalar != "\n" && scalar != "\r" && scalar != "\t" { continue }
                if scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}
