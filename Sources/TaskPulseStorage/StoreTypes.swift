import Foundation
import TaskPulseDomain

/// Which task(s) a change is about.
public enum TaskTarget: Sendable, Equatable {
    /// By the person's task numbers.
    case numbers([Int])
    /// The one open task whose title contains the fragment (several: the person is asked which).
    case query(String)
    /// The task of the last reminder sent to this person, if it was sent within the reply window.
    case lastReminded
}

/// What deleting an occurrence of a repeating task removes.
public enum DeleteScope: String, Sendable, Equatable {
    /// Only this occurrence; the series goes on.
    case occurrence
    /// The whole series.
    case series
}

/// Which tasks a list shows. Instants are computed by the caller in the person's zone.
public struct ListQuery: Sendable, Equatable, Codable {
    public var doneOnly: Bool
    /// Due at or after (inclusive).
    public var dueFrom: Date?
    /// Due before (exclusive).
    public var dueBefore: Date?
    /// The view's name, shown again by `more`.
    public var view: String

    public init(view: String, doneOnly: Bool = false, dueFrom: Date? = nil, dueBefore: Date? = nil) {
        self.view = view
        self.doneOnly = doneOnly
        self.dueFrom = dueFrom
        self.dueBefore = dueBefore
    }
}

/// A settings change from a text.
public enum SettingsChange: Sendable, Equatable {
    /// A new IANA zone; the person's upcoming tasks keep their local times.
    case timeZone(String)
    case quiet(startMinutes: Int?, endMinutes: Int?)
    case morning(minutes: Int?, enabled: Bool?)
    case evening(minutes: Int?, enabled: Bool?)
    case weekly(enabled: Bool)
}

/// A change a person's text asks for, applied atomically with the record of that text.
public enum TaskChange: Sendable, Equatable {
    /// Create a task (or a repeating series and its first occurrence); its reminder is written to the
    /// outbox in the same transaction.
    case addTask(TaskDraft)
    case complete(TaskTarget)
    /// Delete; for an occurrence of a repeating task without a scope, the person is asked.
    case delete(TaskTarget, scope: DeleteScope?)
    /// Push the reminder by seconds, or to an instant.
    case snooze(TaskTarget, seconds: Int?, until: Date?)
    /// A new due time (and reminder) for tasks.
    case move(TaskTarget, dueAt: Date, remindAt: Date?)
    case rename(number: Int, title: String)
    /// Skip this occurrence of a repeating task.
    case skip(TaskTarget)
    /// Answer the pending question with option `n` (1-based).
    case choose(Int)
    /// Revert this person's last add, done, delete, edit or snooze.
    case undo
    /// A list view's first page.
    case list(ListQuery)
    /// The next page of the last list.
    case listMore
    case settings(SettingsChange)
    /// Read what was sent to the person lately.
    case recentDeliveries
    /// Start confirming a new email address: `token` is the link's secret (only its hash is stored).
    case requestEmail(address: String, token: String)
    /// Forget the person's email address; everything goes by text again.
    case removeEmail
    /// Show the email address and which kinds go by email.
    case showEmail
    /// Route kinds of messages by SMS, email or both.
    case setChannels([DeliveryKind], ChannelChoice)
    /// The person opted out (STOP); `wording` is kept as the consent record.
    case optOut(wording: String)
    /// The person opted back in (START).
    case optIn(wording: String)
    /// Partners and students (issue 7).
    case partner(PartnerChange)
    /// Nothing to change; only the message and its reply are recorded.
    case none
}

extension TaskChange {
    /// Whether the change only reads (a list, a page of it, what was sent, the email on file, nothing):
    /// its text's record and list cursor are all it writes, so its reply need not wait for the flush.
    var onlyReads: Bool {
        switch self {
        case .list, .listMore, .recentDeliveries, .showEmail, .none: true
        case .addTask, .complete, .delete, .snooze, .move, .rename, .skip, .choose, .undo, .settings, .requestEmail,
            .removeEmail, .setChannels, .optOut, .optIn, .partner:
            false
        }
    }

    /// Whether the change can alter due times (so the next overdue nudge may move).
    var touchesTasks: Bool {
        switch self {
        case .addTask, .complete, .delete, .snooze, .move, .skip, .choose, .undo, .partner: true
        case .rename, .list, .listMore, .settings, .recentDeliveries, .optOut, .optIn, .none, .requestEmail,
            .removeEmail, .showEmail, .setChannels:
            false
        }
    }
}

/// What applying a ``TaskChange`` did, for the reply.
public enum ChangeOutcome: Sendable, Equatable {
    case added(TaskItem, upcoming: [Date])
    /// Completed tasks, numbers that matched nothing, and next occurrences created for repeating ones.
    case completed([TaskItem], missing: [Int], next: [TaskItem])
    case deleted([TaskItem], missing: [Int])
    /// A title fragment matched more than one open task; the question is remembered.
    case ambiguous(query: String, matches: [TaskItem])
    /// Deleting an occurrence of a repeating task: "this one or all?" is remembered.
    case needsScope(TaskItem)
    /// A title fragment matched no open task.
    case noMatch(query: String)
    /// No number was given and no reminder was sent lately.
    case noReminderContext
    case snoozed([TaskItem], missing: [Int])
    case moved([TaskItem], missing: [Int])
    case renamed(TaskItem?)
    case skipped(TaskItem, next: TaskItem?)
    /// `undo` reverted something; the text says what.
    case undone(String)
    case nothingToUndo
    /// A page of a list: the tasks, how many match in all, and where the page starts.
    case listed(page: [TaskItem], total: Int, offset: Int, view: String)
    case settingsChanged(User, movedTasks: Int)
    case noPendingQuestion
    /// The latest sent (or failed) messages, newest first.
    case recentDeliveries([Delivery])
    /// A confirmation link is on its way to the address.
    case emailVerificationSent(address: String)
    /// The address is already confirmed for this person; nothing was sent.
    case emailAlreadyConfirmed(address: String)
    /// Too many confirmation links lately (protects the address's owner from being flooded).
    case emailRateLimited
    /// The address was forgotten (`nil` when there was none).
    case emailRemoved(address: String?)
    /// The person's email state and channels (for `email` and channel changes).
    case emailStatus(User, pendingAddress: String?)
    case optedOut(wasAlreadyOptedOut: Bool)
    case optedIn(wasOptedOut: Bool)
    case partner(PartnerOutcome)
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

/// The webhook's first look at a text: its recorded reply if it was handled before, else who sent it.
public struct InboundSender: Sendable, Equatable {
    /// The reply already given to this `MessageSid`; the text is a retry when set.
    public var recordedReply: String?
    /// The person with the sender's number, `nil` for a new number (or when the reply is recorded).
    public var user: User?

    public init(recordedReply: String?, user: User?) {
        self.recordedReply = recordedReply
        self.user = user
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
    /// `true` when this was the number's first text (the reply carries a welcome).
    public var isFirstMessage: Bool

    public init(reply: String, isDuplicate: Bool, scheduledDelivery: Bool, isFirstMessage: Bool = false) {
        self.reply = reply
        self.isDuplicate = isDuplicate
        self.scheduledDelivery = scheduledDelivery
        self.isFirstMessage = isFirstMessage
    }
}

/// Which claim of a delivery a dispatcher holds: the row and its `attempts` when it was claimed.
public struct ClaimReference: Sendable, Hashable {
    public var deliveryID: DeliveryID
    public var attempt: Int

    public init(deliveryID: DeliveryID, attempt: Int) {
        self.deliveryID = deliveryID
        self.attempt = attempt
    }
}

/// A delivery claimed by a dispatcher, with what it needs to decide and render.
public struct ClaimedDelivery: Sendable, Equatable {
    public var delivery: Delivery
    public var user: User
    /// The task a reminder is about, as it is now.
    public var task: TaskItem?
    /// Until when this claim holds (`nil`: not known, treat it as running out).
    public var leaseUntil: Date?

    public init(delivery: Delivery, user: User, task: TaskItem?, leaseUntil: Date? = nil) {
        self.delivery = delivery
        self.user = user
        self.task = task
        self.leaseUntil = leaseUntil
    }

    /// This claim: the row and the attempt it holds.
    public var reference: ClaimReference { ClaimReference(deliveryID: delivery.id, attempt: delivery.attempts) }
}

/// What happened to a claimed delivery, recorded by the dispatcher.
public enum DeliveryResult: Sendable, Equatable {
    /// The provider accepted it.
    case sent(providerMessageID: String, body: String)
    /// The provider accepted a digest; the nudged tasks and the motivation line used are remembered.
    case sentDigest(providerMessageID: String, body: String, nudgedTaskIDs: [TaskID], motivationLine: Int?)
    /// Nothing went by SMS: the person chose email only for this kind, and an email copy carries it.
    case sentByEmail(nudgedTaskIDs: [TaskID], motivationLine: Int?)
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

extension DeliveryResult {
    /// Whether the row goes back to waiting (so its schedule has not moved on).
    public var isRetry: Bool {
        if case .retry = self { return true }
        return false
    }
}

/// What a digest says, read from the store at send time.
public struct DigestContent: Sendable, Equatable {
    /// Open tasks due today (local), by time.
    public var dueToday: [TaskItem]
    /// Open tasks past due, oldest first.
    public var overdue: [TaskItem]
    /// For nudges: overdue tasks not nudged yet.
    public var newlyOverdue: [TaskItem]
    /// Tasks completed in the last 7 days, and how many of them by their due time.
    public var completedThisWeek: Int
    public var completedOnTime: Int
    /// Days in a row, ending today or yesterday, with at least one completion.
    public var streakDays: Int
    /// Motivation lines sent in the last 30 days (not to repeat).
    public var recentMotivationLines: Set<Int>

    public init(
        dueToday: [TaskItem] = [], overdue: [TaskItem] = [], newlyOverdue: [TaskItem] = [], completedThisWeek: Int = 0,
        completedOnTime: Int = 0, streakDays: Int = 0, recentMotivationLines: Set<Int> = []
    ) {
        self.dueToday = dueToday
        self.overdue = overdue
        self.newlyOverdue = newlyOverdue
        self.completedThisWeek = completedThisWeek
        self.completedOnTime = completedOnTime
        self.streakDays = streakDays
        self.recentMotivationLines = recentMotivationLines
    }
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
    /// The database location cannot be used as given (a malformed URL): start-up stops with this message.
    case invalidConfiguration(String)
}
