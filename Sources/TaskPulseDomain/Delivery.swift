import Foundation

/// What an outbound message is for.
public enum DeliveryKind: String, Sendable, Codable {
    /// A task reminder at the time the person chose.
    case reminder
}

/// Where an outbound message is in the outbox (DESIGN §4).
public enum DeliveryStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting for its due time (or for its next retry).
    case pending
    /// Claimed by a dispatcher under a lease; being sent.
    case sending
    /// Accepted by the provider.
    case sent
    /// The carrier confirmed delivery (status callback).
    case delivered
    /// The provider or carrier refused it permanently.
    case failed
    /// Transient failures exhausted the retry budget.
    case dead
    /// No longer wanted (task completed or deleted before the reminder).
    case canceled
    /// Not sent because the person opted out or the number is invalid.
    case suppressed
}

/// One outbound message in the durable outbox.
public struct Delivery: Sendable, Equatable, Codable {
    public var id: DeliveryID
    public var userID: UserID
    public var taskID: TaskID?
    public var kind: DeliveryKind
    public var dueAt: Date
    public var status: DeliveryStatus
    public var attempts: Int
    /// The text that was sent, recorded at send time.
    public var body: String?
    /// The provider's id for the message (Twilio `SM...`).
    public var providerMessageID: String?
    public var errorCode: String?
    public var errorMessage: String?
    public var sentAt: Date?

    public init(
        id: DeliveryID, userID: UserID, taskID: TaskID?, kind: DeliveryKind, dueAt: Date,
        status: DeliveryStatus, attempts: Int, body: String?, providerMessageID: String?,
        errorCode: String?, errorMessage: String?, sentAt: Date?
    ) {
        self.id = id
        self.userID = userID
        self.taskID = taskID
        self.kind = kind
        self.dueAt = dueAt
        self.status = status
        self.attempts = attempts
        self.body = body
        self.providerMessageID = providerMessageID
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.sentAt = sentAt
    }
}
