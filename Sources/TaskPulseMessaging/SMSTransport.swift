import TaskPulseDomain

/// One SMS to send.
public struct OutboundSMS: Sendable, Equatable {
    public var to: Phone
    public var body: String

    public init(to: Phone, body: String) {
        self.to = to
        self.body = body
    }
}

/// What the provider said about one send, classified for the dispatcher's decision.
public enum SendOutcome: Sendable, Equatable {
    /// Accepted; `providerMessageID` is Twilio's `SM...` sid.
    case accepted(providerMessageID: String)
    /// Try again later (429, 5xx, timeouts, connection errors, 30003). `retryAfterSeconds` from `Retry-After`.
    case transient(errorCode: String?, message: String, retryAfterSeconds: Double?)
    /// The recipient opted out at the provider (Twilio 21610).
    case recipientOptedOut(errorCode: String, message: String)
    /// The number cannot take SMS (21211, 21614, 30005, 30006).
    case recipientInvalid(errorCode: String, message: String)
    /// Any other refusal that retrying will not fix (bad credentials, content, 30007).
    case permanent(errorCode: String?, message: String)
}

/// The SMS edge (DESIGN §1): Twilio in production, the dev outbox without credentials, fakes in tests.
public protocol SMSTransport: Sendable {
    /// Sends one message. Never throws: every failure is classified into a ``SendOutcome``.
    func send(_ message: OutboundSMS) async -> SendOutcome
}

/// Dev mode (no Twilio account): messages are accepted at once and only recorded in the outbox
/// table, where the simulator shows them.
public struct DevOutboxSMSTransport: SMSTransport {
    public init() {}

    public func send(_ message: OutboundSMS) async -> SendOutcome {
        .accepted(providerMessageID: "DEV" + String(UInt64.random(in: 0...UInt64.max), radix: 16))
    }
}
