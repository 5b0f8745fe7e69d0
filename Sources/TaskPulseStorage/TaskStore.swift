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
        try await recordDeliveryResult(result, deliveryID: deliveryID, now: now, emailCopy: nil, claimedAttempt: nil)
    }

    /// Claims due deliveries (``claimDue(now:limit:leaseUntil:)``) and reads them with their person and
    /// task, earliest due first.
    public func claimDueDeliveries(now: Date, limit: Int, leaseUntil: Date) async throws -> [ClaimedDelivery] {
        let claims = try await claimDue(now: now, limit: limit, leaseUntil: leaseUntil)
        return try await currentClaims(claims).compactMap { $0 }
    }

    /// One claim re-read (``currentClaims(_:)`` for a single row); `nil` when it no longer holds.
    public func currentClaim(ofDelivery deliveryID: DeliveryID, attempt: Int) async throws -> ClaimedDelivery? {
        try await currentClaims([ClaimReference(deliveryID: deliveryID, attempt: attempt)]).first ?? nil
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
/// Implementation: ``SQLTaskStore`` on SQLite (the embedded default) or PostgreSQL. Errors other than ``StoreError`` are
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

    /// In one read: the reply already given to `messageSid` (if that message was handled before) and the
    /// person with number `phone` (if known). The webhook's first look at a text.
    func inboundSender(messageSid: String, phone: Phone) async throws -> InboundSender

    /// Applies `change` for `userID` and records `message` with the reply, in one transaction.
    ///
    /// If `message.messageSid` was already recorded, nothing changes and the recorded reply is returned.
    /// It returns once the transaction is flushed to disk, except for a change that only reads
    /// (``TaskChange``: list, help...), which returns before its record's flush.
    /// - Parameter renderReply: builds the reply from the outcome and whether this is the number's first
    ///   text; runs inside the transaction, so it must be pure and fast.
    func handleInbound(
        _ message: InboundMessage, userID: UserID, change: TaskChange, now: Date,
        renderReply: @escaping @Sendable (ChangeOutcome, _ isFirstMessage: Bool) -> String
    ) async throws -> InboundResult

    /// Claims up to `limit` deliveries due at `now` (or whose lease ran out), leasing them until
    /// `leaseUntil`; returns the claims, earliest due first. The rows themselves are read just before
    /// each send (``currentClaims(_:)``).
    func claimDue(now: Date, limit: Int, leaseUntil: Date) async throws -> [ClaimReference]

    /// A claimed delivery with its person and task as they are now, read just before sending so an
    /// opt-out or a completed task that arrived after the claim still stops the send; its lease is renewed
    /// to `leaseUntil` in the same step.
    /// - Parameter attempt: the delivery's `attempts` when this dispatcher claimed it.
    /// - Returns: `nil` when the claim no longer holds (the row is gone, no longer sending, or another
    ///   node took it over after the lease ran out): then this dispatcher must neither send nor record it.
    func renewClaim(ofDelivery deliveryID: DeliveryID, attempt: Int, leaseUntil: Date) async throws -> ClaimedDelivery?

    /// The same re-read as ``renewClaim(ofDelivery:attempt:leaseUntil:)`` without renewing the lease, for
    /// claims whose lease still covers a send with time to spare: one read (no write transaction) for
    /// all of them, so a dispatcher refreshing the rows it is about to send pays one read per batch.
    /// - Returns: one entry per reference, in order: `nil` where the claim no longer holds.
    func currentClaims(_ references: [ClaimReference]) async throws -> [ClaimedDelivery?]

    /// What a person's digest says now (tasks due today, overdue, week's progress, recent lines).
    func digestContent(userID: UserID, now: Date) async throws -> DigestContent

    /// Records what happened to a claimed delivery and, in the same transaction, writes its email copy
    /// (at most one per row) when the person gets this kind by email too.
    /// - Parameter claimedAttempt: the row's `attempts` when it was claimed; when given, nothing is recorded
    ///   if the claim no longer holds (another node took the row over after a lease ran out).
    /// - Returns: whether the result was recorded.
    @discardableResult
    func recordDeliveryResult(
        _ result: DeliveryResult, deliveryID: DeliveryID, now: Date, emailCopy: PreparedEmail?, claimedAttempt: Int?
    ) async throws -> Bool

    /// Applies a provider status callback (Twilio `MessageStatus`) to the delivery with that provider id.
    /// A status never moves backwards: `delivered` or `failed` stay, whatever arrives later.
    /// - Returns: whether a delivery with that id exists.
    func recordProviderStatus(
        providerMessageID: String, status: ProviderStatus, errorCode: String?, now: Date
    ) async throws -> Bool

    /// The earliest due time among deliveries waiting to be sent, if any.
    func nextPendingDeliveryDue() async throws -> Date?

    /// Returns deliveries left `sending` by a process that stopped to `pending`. Does nothing on a shared
    /// database (PostgreSQL, where other nodes may be sending them): there a claim is taken over when its
    /// lease runs out.
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

    // MARK: Web accounts and the tasks API (issue 6)

    /// Creates a web account (a person without a phone yet). - Throws: ``AccountError/emailTaken``.
    func register(email: String, passwordHash: String, timeZoneID: String, now: Date) async throws -> User

    /// The account that signs in with this address (case-insensitive).
    func account(email: String) async throws -> Account?

    func user(id: UserID) async throws -> User?

    /// Starts a session (a refresh-token family) with its first refresh token (stored as its hash).
    func startSession(userID: UserID, sessionID: String, refreshTokenHash: String, expiresAt: Date, now: Date) async throws

    /// Spends a refresh token and stores its successor; a spent token revokes its whole session.
    func rotateRefreshToken(presentedHash: String, newHash: String, expiresAt: Date, now: Date) async throws
        -> RefreshOutcome

    /// Ends a session: its access and refresh tokens stop working at once.
    func revokeSession(id: String, now: Date) async throws

    /// Whether the session is current (checked on every API request, so logout takes effect at once).
    func isSessionActive(id: String, userID: UserID) async throws -> Bool

    /// One page of a person's tasks.
    func taskPage(userID: UserID, query: TaskQuery) async throws -> TaskPage

    /// One of the person's tasks; `nil` when it does not exist or belongs to someone else.
    func task(userID: UserID, id: TaskID) async throws -> TaskItem?

    /// Applies a change from the API in one transaction (no inbound message recorded).
    /// - Returns: the outcome and whether the outbox was written.
    func applyChange(_ change: TaskChange, userID: UserID, now: Date) async throws -> (ChangeOutcome, Bool)

    /// Sets a task's priority; `nil` when the task is not the person's.
    func setPriority(_ priority: Priority?, taskID: TaskID, userID: UserID, now: Date) async throws -> TaskItem?

    /// A person's messages, newest first, before `beforeID` (a page of the deliveries log). Rows that only
    /// mark a message that went by email are left out.
    func deliveryLog(userID: UserID, beforeID: DeliveryID?, limit: Int) async throws -> [Delivery]

    /// Sends a code by SMS to `phone` to link it to the web account `userID` (only a hash of the code is kept).
    func requestPhoneCode(userID: UserID, phone: Phone, code: String, now: Date) async throws -> PhoneCodeRequest

    /// Checks the code; on success the account and the phone's person become one user.
    func verifyPhoneCode(userID: UserID, code: String, now: Date) async throws -> PhoneLinkOutcome

    /// Gives the person a new calendar-feed secret (only its hash is kept); the old feed URL stops working.
    func rotateCalendarToken(userID: UserID, token: String) async throws

    /// The person behind a calendar-feed secret and their dated tasks (open and done, recent and upcoming).
    func calendarFeed(token: String, now: Date) async throws -> (User, [TaskItem])?

    /// A person's outbox rows, newest last.
    func deliveries(userID: UserID) async throws -> [Delivery]

    /// The last `limit` lines of a person's conversation, oldest first.
    func conversation(userID: UserID, limit: Int) async throws -> [ConversationEntry]

    // MARK: Partners and students (issue 7); changes go through `applyChange(.partner(...))`

    /// A link by id, with the partner's label and the student's user id when the number has texted.
    func partnerLink(id: Int64) async throws -> PartnerLink?

    /// The person's links on both sides (as partner and as student): live ones and those that ended lately.
    func links(userID: UserID, now: Date) async throws -> [PartnerLink]

    /// A partner's live (and lately ended) links, with each active student's assigned-task progress.
    func studentStatuses(partnerID: UserID, now: Date) async throws -> [StudentStatus]

    /// The partner's live link for a student and that student (to read an assignment in the student's zone).
    func linkedStudent(partnerID: UserID, reference: StudentReference, now: Date) async throws -> (PartnerLink, User?)?
}
