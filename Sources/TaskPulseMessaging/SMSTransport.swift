import Foundation
import Synchronization
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

/// Dev mode (no Twilio account): messages are accepted at once and recorded in the outbox table,
/// where the simulator shows them. The newest 200 are also kept in memory as sent, because some
/// texts are recorded without their secret (a phone-linking code): the simulator shows those from here.
public struct DevOutboxSMSTransport: SMSTransport {
    /// What this transport "sent", for the simulator.
    public let sent: DevTextLog

    /// A transport keeping its texts in `sent` (a new log unless one is shared).
    public init(sent: DevTextLog = DevTextLog()) { self.sent = sent }

    public func send(_ message: OutboundSMS) async -> SendOutcome {
        sent.record(message)
        return .accepted(providerMessageID: "DEV" + String(UInt64.random(in: 0...UInt64.max), radix: 16))
    }
}

/// The texts the dev transport "sent", newest 200, in memory.
public final class DevTextLog: Sendable {
    /// One text and when it was handed over.
    public struct Entry: Sendable {
        public var at: Date
        public var message: OutboundSMS
    }

    /// How many texts are kept; older ones are forgotten.
    public static let capacity = 200
    private let entries = Mutex<[Entry]>([])

    /// An empty log.
    public init() {}

    func record(_ message: OutboundSMS) {
        entries.withLock { list in
            list.append(Entry(at: Date(), message: message))
            if list.count > DevTextLog.capacity { list.removeFirst(list.count - DevTextLog.capacity) }
        }
    }

    /// The texts sent to `phone`, oldest first.
    public func texts(to phone: Phone) -> [Entry] {
        entries.withLock { $0.filter { $0.message.to == phone } }
    }
}
