import Foundation
import TaskPulseDomain

/// A change a person's text asks for, applied atomically with the record of that text.
public enum TaskChange: Sendable, Equatable {
    /// Create a task; its reminder (if any) is written to the outbox in the same transaction.
    case addTask(TaskDraft)
    /// Complete open tasks by number.
    case completeNumbers([Int])
    /// Complete the one open task whose title contains the fragment.
    case completeMatching(String)
    /// Delete open tasks by number.
    case deleteNumbers([Int])
    /// Delete the one open task whose title contains the fragment.
    case deleteMatching(String)
    /// Revert this person's last add, done or delete.
    case undo
    /// Read the open (or completed) tasks.
    case list(doneOnly: Bool)
    /// The person opted out (STOP); `wording` is kept as the consent record.
    case optOut(wording: String)
    /// The person opted back in (START).
    case optIn(wording: String)
    /// Nothing to change; only the message and its reply are recorded.
    case none
}

/// What applying a ``TaskChange`` did, for the reply.
public enum ChangeOutcome: Sendable, Equatable {
    case added(TaskItem)
    case completed([TaskItem], missing: [Int])
    case deleted([TaskItem], missing: [Int])
    /// A title fragment matched more than one open task.
    case ambiguous(query: String, matches: [TaskItem])
    /// A title fragment matched no open task.
    case noMatch(query: String)
    /// `undo` reverted something; the text says what.
    case undone(String)
    case nothingToUndo
    case listed([TaskItem])
    case optedOut(wasAlreadyOptedOut: Bool)
    case optedIn(wasOptedOut: Bool)
    case recorded
}

/// One inbound text, identified by the provider's message id for idempotency.
public struct InboundMessage: Sendable, Equatable {
    /// Twilio's `MessageSid`: a retried webhook carries the same one.
    public var messageSid: String
    public var body: String
    public var receivedAt: Date

    public init(messageSid: String, body: String, receivedAt: Date) {
        self.messageSid = messageSid
        self.body = body
        self.receivedAt = receivedAt
    }
}

/// The result of handling an inbound text.
public struct InboundResult: Sendable, Equatable {
    /// The reply to send back (empty for none).
    public var reply: String
    /// `true` when this `MessageSid` had been handled before and nothing was changed now.
    public var isDuplicate: Bool
    /// `true` when the change wrote to the outbox (so a dispatcher may want to wake up).
    public var scheduledDelivery: Bool

    public init(reply: String, isDuplicate: Bool, scheduledDelivery: Bool) {
        self.reply = reply
        self.isDuplicate = isDuplicate
        self.scheduledDelivery = scheduledDelivery
    }
}

/// A delivery claimed by a dispatcher, with what it needs to decide and render.
public struct ClaimedDelivery: Sendable, Equatable {
    public var delivery: Delivery
    public var user: User
    /// The task a reminder is about, as it is now.
    public var task: TaskItem?

    public init(delivery: Delivery, user: User, task: TaskItem?) {
        self.delivery = delivery
        self.user = user
        self.task = task
    }
}

/// What happened to a claimed delivery, recorded by the dispatcher.
public enum DeliveryResult: Sendable, Equatable {
    /// The provider accepted it.
    case sent(providerMessageID: String, body: String)
    /// A transient failure; try again at `retryAt`.
    case retry(at: Date, errorCode: String?, message: String)
    /// Transient failures used up the retry budget.
    case dead(errorCode: String?, message: String)
    /// A permanent refusal that says nothing about the person (bad content, configuration).
    case failed(errorCode: String?, message: String)
    /// The provider says the person opted out (Twilio 21610): mark them and suppress what is queued.
    case recipientOptedOut(errorCode: String, message: String)
    /// The provider says the number cannot receive SMS (21211, 21614, 30005, 30006).
    case recipientInvalid(errorCode: String, message: String)
    /// Not sent: the person is opted out or the number is invalid.
    case suppressed(reason: String)
    /// Not sent: no longer wanted (the task was completed or deleted).
    case canceled(reason: String)
}

/// One line of a person's conversation, for the simulator and the deliveries log.
public struct ConversationEntry: Sendable, Equatable, Codable {
    public enum Direction: String, Sendable, Codable {
        /// A text the person sent.
        case inbound
        /// The immediate reply to it.
        case reply
        /// A scheduled message (reminder).
        case outbound
    }

    public var direction: Direction
    public var at: Date
    public var text: String
    /// For scheduled messages: the outbox status.
    public var status: String?
    public var sortKey: String

    public init(direction: Direction, at: Date, text: String, status: String?, sortKey: String) {
        self.direction = direction
        self.at = at
        self.text = text
        self.status = status
        self.sortKey = sortKey
    }
}

/// Errors every ``TaskStore`` throws for conditions callers handle.
public enum StoreError: Error, Sendable, Equatable {
    /// The database cannot take writes now (locked, read-only, disk full): the caller should answer 503.
    case unavailable(String)
}
