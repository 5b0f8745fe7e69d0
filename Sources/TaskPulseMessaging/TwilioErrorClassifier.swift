/// Maps a Twilio REST answer to a ``SendOutcome`` (twilio.md §4, §6; sms-rules.md §7). Pure.
public enum TwilioErrorClassifier {
    public static let optedOutCodes: Set<Int> = [21610]
    public static let invalidNumberCodes: Set<Int> = [21211, 21614, 30005, 30006]
    public static let transientCodes: Set<Int> = [20429, 30003, 20500, 20503]

    /// Classifies a non-2xx answer.
    /// - Parameters:
    ///   - status: the HTTP status.
    ///   - code: Twilio's `code` from the JSON error body, if any.
    ///   - message: Twilio's `message`, or a description of the body.
    ///   - retryAfter: the `Retry-After` header in seconds, if any.
    public static func classify(status: Int, code: Int?, message: String, retryAfter: Double?) -> SendOutcome {
        let codeText = code.map(String.init) ?? "http-\(status)"
        if let code {
            if optedOutCodes.contains(code) { return .recipientOptedOut(errorCode: codeText, message: message) }
            if invalidNumberCodes.contains(code) { return .recipientInvalid(errorCode: codeText, message: message) }
            if transientCodes.contains(code) {
                return .transient(errorCode: codeText, message: message, retryAfterSeconds: retryAfter)
            }
        }
        if status == 429 || status >= 500 || status == 408 {
            return .transient(errorCode: codeText, message: message, retryAfterSeconds: retryAfter)
        }
        return .permanent(errorCode: codeText, message: message)
    }
}
