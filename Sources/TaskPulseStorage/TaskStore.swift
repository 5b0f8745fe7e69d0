import Foundation
import TaskPulseDomain

/// A provider's report on a sent message (twilio.md §5), reduced to what changes a delivery.
public enum ProviderStatus: Sendable, Equatable {
    /// Still on its way (queued, sending, sent, accepted, scheduled).
    case inFlight
    case delivered
    /// Undelivered or failed, with the provider's error code.
    case failed

    public init?(twilio status: String) {
        switch status.lowercased() {
        case "queued", "sending", "sent", "accepted", "scheduled": self = .inFlight
        case "delivered", "read": self = .delivered
        case "undelivered", "failed", "canceled": self = .failed
        default: return nil
        }
    }
}

extension TaskStore {
    /// Records what happened to a claimed delivery (no email copy).
    public func recordDeliveryResult(_ result: DeliveryResult, deliveryID: DeliveryID, now: Date) async throws {
        try await recordDeliveryResult(result, deliveryID: deliveryID, now: now, emailCopy: nil)
    }
}

/// A verification link that can still be used.
public struct PendingEmailVerification: Sendable, Equatable {
    public var userID: UserID
    public var address: String
    public var expiresAt: Date

    public init(userID: UserID, address: String, expiresAt: Date) {
        self.userID = userID
        self.address = address
        self.expiresAt = expiresAt
    }
}

/// What following a verification link did.
public enum EmailConfirmation: Sendable, Equatable {
    /// The address is confirmed for this person.
    case confirmed(address: String)
    /// The link was already used (the address stays confirmed).
    case alreadyUsed(address: String)
    /// Too old, replaced by a newer link, or never issued.
    case invalid
}

/// The storage edge (DESIGN §1, §4, §5). Every mutating method is one transaction.
///
/// Implementations: ``SQLiteTaskStore`` (embedded default). Errors other than ``StoreError`` are
/// implementation failures, logged and answered with a 5xx by the server.
public protocol TaskStore: Sendable {
    /// Brings the schema up to date.
    func migrate() async throws

    /// Checks that the database answers (for `/readyz`).
    func ping() async throws

    /// The person with this number, creating them with `timeZoneID` if they are new. Safe to call
    /// concurrently for the same new number: exactly one person is created.
    func ensureUser(phone: Phone, timeZoneID: String, now: Date) async throws -> User

    /// The person with this number, if known.
    func user(phone: Phone) async throws -> User?

    /// The reply already given to `messageSid`, if that message was handled before.
    func recordedReply(messageSid: String) async throws -> String?

    /// Applies `change` for `userID` and records `message` with the reply, in one transaction.
    ///
    /// If `message.messageSid` was already recorded, nothing changes and the recorded reply is returned.
    /// - Parameter renderReply: builds the reply from the outcome and whether this is the number's first
    ///   text; runs inside the transaction, so it must be pure and fast.
    func handleInbound(
        _ message: InboundMessage, userID: UserID, change: TaskChange, now: Date,
        renderReply: @escaping @Sendable (ChangeOutcome, _ isFirstMessage: Bool) -> String
    ) async throws -> InboundResult

    /// Claims up to `limit` deliveries due at `now` (or whose lease ran out), leasing them until
    /// `leaseUntil`, with the person and task each needs.
    func claimDueDeliveries(now: Date, limit: Int, leaseUntil: Date) async throws -> [ClaimedDelivery]

    /// A claimed delivery with its person and task as they are now, read just before sending so an
    /// opt-out or a completed task that arrived after the claim still stops the send.
    func currentState(ofDelivery deliveryID: DeliveryID) async throws -> ClaimedDelivery?

    /// What a person's digest says now (tasks due today, overdue, week's progress, recent lines).
    func digestContent(userID: UserID, now: Date) async throws -> DigestContent

    /// Records what happened to a claimed delivery and, in the same transaction, writes its email copy
    /// (at most one per row) when the person gets this kind by email too.
    func recordDeliveryResult(
        _ result: DeliveryResult, deliveryID: DeliveryID, now: Date, emailCopy: PreparedEmail?
    ) async throws

    /// Applies a provider status callback (Twilio `MessageStatus`) to the delivery with that provider id.
    /// A status never moves backwards: `delivered` or `failed` stay, whatever arrives later.
    /// - Returns: whether a delivery with that id exists.
    func recordProviderStatus(
        providerMessageID: String, status: ProviderStatus, errorCode: String?, now: Date
    ) async throws -> Bool

    /// The earliest due time among deliveries waiting to be sent, if any.
    func nextPendingDeliveryDue() async throws -> Date?

    /// Returns deliveries left `sending` by a process that stopped to `pending`. Only safe when this
    /// process is the only dispatcher on the database (the embedded SQLite default).
    func releaseAllClaims(now: Date) async throws -> Int

    /// A person's tasks (open ones by number, for lists and tests).
    func tasks(userID: UserID, status: TaskStatus?) async throws -> [TaskItem]

    /// Makes sure every person has their digests scheduled (after an upgrade, people who never text
    /// again would otherwise get none). Returns how many people needed it.
    func scheduleMissingDigests(now: Date) async throws -> Int

    /// The open verification for this link secret, if it is valid now.
    func pendingEmailVerification(token: String, now: Date) async throws -> PendingEmailVerification?

    /// Confirms the address behind this link secret (single use, expires). Starts email for the person.
    func confirmEmail(token: String, now: Date) async throws -> EmailConfirmation

    /// The one-click unsubscribe (RFC 8058) for the person with this unsubscribe secret.
    /// - Returns: the address that was unsubscribed, or `nil` when the secret is unknown.
    func unsubscribeEmail(token: String, now: Date) async throws -> String?

    /// Every address a person has confirmed or asked to confirm lately (for the dev mailbox view).
    func emailAddresses(userID: UserID) async throws -> [String]

    /// A person's outbox rows, newest last.
    func deliveries(userID: UserID) async throws -> [Delivery]

    /// The last `limit` lines of a person's conversation, oldest first.
    func conversation(userID: UserID, limit: Int) async throws -> [ConversationEntry]
}
