import Foundation

/// What an outbound message is for.
public enum DeliveryKind: String, Sendable, Codable {
    /// A task reminder at the time the person chose.
    case reminder
    /// The morning agenda: today's and overdue tasks.
    case agenda
    /// An evening motivation line.
    case motivation
    /// A batch of newly overdue tasks.
    case nudge
    /// The weekly progress report.
    case weekly
    /// The link that confirms a new email address (sent by email only, at once).
    case emailVerification = "email_verification"
    /// The code that links a phone to a web account (sent by SMS to that phone, at once).
    case phoneCode = "phone_code"
    /// A partner's consent request to a number (issue 7). The row belongs to the partner; it goes to the
    /// invited number, and only while the invitation is pending.
    case linkRequest = "link_request"
    /// Tells a student a partner assigned them a task (the row is the student's, about that task).
    case assignment
    /// Tells a partner about a linked student: an assigned task done or overdue, a link accepted or ended.
    case partnerAlert = "partner_alert"
    /// A partner's message to a linked student (`tell all ...`, the bulk API).
    case partnerMessage = "partner_message"
    /// A partner's weekly summary, one line per linked student.
    case partnerWeekly = "partner_weekly"

    /// Digests: recurring runs of a person's schedule (one pending run per kind), held by quiet hours.
    public var isDigest: Bool {
        switch self {
        case .agenda, .motivation, .nudge, .weekly, .partnerWeekly: true
        case .reminder, .emailVerification, .phoneCode, .linkRequest, .assignment, .partnerAlert, .partnerMessage: false
        }
    }

    /// Messages about partners and students (issue 7): SMS only, held by the recipient's quiet hours.
    public var isPartnerMessage: Bool {
        switch self {
        case .linkRequest, .assignment, .partnerAlert, .partnerMessage, .partnerWeekly: true
        case .reminder, .agenda, .motivation, .nudge, .weekly, .emailVerification, .phoneCode: false
        }
    }

    /// A digest older than this when it could finally be sent is skipped, not sent stale (DESIGN §4):
    /// half its period, so a late one never arrives just before the next on-time one.
    public var stalePeriod: TimeInterval? {
        switch self {
        case .reminder, .emailVerification, .phoneCode, .linkRequest, .assignment, .partnerAlert, .partnerMessage: nil
        case .agenda, .motivation, .nudge: 43_200
        case .weekly, .partnerWeekly: 3.5 * 86_400
        }
    }
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
    /// For digests: the time the schedule called for, before quiet hours held it back.
    public var scheduledFor: Date?
    /// SMS or email. Scheduled rows are SMS rows; email copies are their children (``parentID``).
    public var channel: DeliveryChannel
    /// The row an email copy was made from.
    public var parentID: DeliveryID?
    /// What an email row sends (JSON, see ``PreparedEmail``), written when the copy is made.
    public var payload: String?

    public init(
        id: DeliveryID, userID: UserID, taskID: TaskID?, kind: DeliveryKind, dueAt: Date,
        status: DeliveryStatus, attempts: Int, body: String?, providerMessageID: String?,
        errorCode: String?, errorMessage: String?, sentAt: Date?, scheduledFor: Date? = nil, channel: DeliveryChannel = .sms,
        parentID: DeliveryID? = nil, payload: String? = nil
    ) {
        self.channel = channel
        self.parentID = parentID
        self.payload = payload
        self.scheduledFor = scheduledFor
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
