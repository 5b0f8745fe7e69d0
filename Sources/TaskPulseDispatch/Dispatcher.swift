import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TaskPulseDomain
import TaskPulseMessaging
import TaskPulseStorage

/// The durable dispatcher (DESIGN §4): claims due deliveries from the store, renders, sends, records.
///
/// Nothing lives only in memory: a delivery is a row from the moment its task is written, so a
/// restart after `kill -9` sends whatever came due meanwhile. The opt-out check happens here, at
/// send time, so a STOP also holds back reminders scheduled before it.
public struct Dispatcher: Service {
    public struct Settings: Sendable {
        /// Rows claimed per round.
        public var batchSize = 500
        /// Sends in flight at once (the Twilio transport's connection pool is as wide).
        public var concurrency = 64
        /// Claimed rows are re-read (person, task, claim) just before their sends, this many or more at a
        /// time in one read, when as many send slots are free: a read per row cost a burst a transaction per
        /// send, and a row is still re-read moments before it goes out.
        public var refreshBatch = 16
        /// How long a claim holds before another round (or node) may take the row over.
        public var leaseDuration: TimeInterval = 60
        /// The longest sleep between looks at the store, so rows written by others are seen.
        public var pollInterval: TimeInterval = 1
        /// Return rows left `sending` by a previous process to `pending` at start (single-process SQLite).
        public var releaseClaimsAtStart = true
        public var retryPolicy = RetryPolicy()
        public var programName = "TaskPulse"
        /// Evening motivation lines (from `prompts/motivation.txt`).
        public var motivation = MotivationCatalog(lines: [])
        /// The SMS and email templates (from `prompts/`).
        public var templates = MessageTemplates.empty
        /// The service's public URL, for links in emails (confirmation, unsubscribe).
        public var publicURL = "http://localhost:8080"

        public init() {}
    }

    let store: any TaskStore
    let transport: any SMSTransport
    /// The email edge; `nil` when this server has no mail server (email then falls back to SMS).
    let mail: (any MailTransport)?
    let clock: any WallClock
    let wakeup: DispatchWakeup
    let settings: Settings
    let logger: Logger

    public init(
        store: any TaskStore, transport: any SMSTransport, mail: (any MailTransport)? = nil, clock: any WallClock,
        wakeup: DispatchWakeup, settings: Settings = Settings(), logger: Logger
    ) {
        self.store = store
        self.transport = transport
        self.mail = mail
        self.clock = clock
        self.wakeup = wakeup
        self.settings = settings
        self.logger = logger
    }

    /// Runs until graceful shutdown (or cancellation); the batch in hand is finished first.
    public func run() async throws {
        if settings.releaseClaimsAtStart {
            do {
                let released = try await store.releaseAllClaims(now: clock.now())
                if released > 0 { logger.notice("released interrupted claims", metadata: ["tp.count": "\(released)"]) }
            } catch {
                // Leases run out on their own; the dispatcher still starts.
                logger.error("could not release interrupted claims", metadata: ["error": "\(error)"])
            }
        }
        // People who have not texted since an upgrade still get their digests (issue 5).
        do {
            let scheduled = try await store.scheduleMissingDigests(now: clock.now())
            if scheduled > 0 { logger.notice("scheduled missing digests", metadata: ["tp.count": "\(scheduled)"]) }
        } catch {
            logger.error("could not schedule missing digests", metadata: ["error": "\(error)"])
        }
        let stopping = StopFlag()
        await withGracefulShutdownHandler {
            while !stopping.isSet && !Task.isCancelled {
                do {
                    let handled = try await drain(unless: stopping)
                    if handled == 0 && !stopping.isSet { try await waitForWork(unless: stopping) }
                } catch is CancellationError {
                    break
                } catch {
                    logger.error("dispatcher round failed", metadata: ["error": "\(String(reflecting: error))"])
                    try? await clock.sleep(until: clock.now().addingTimeInterval(settings.pollInterval))
                }
            }
        } onGracefulShutdown: {
            stopping.set()
            wakeup.signal()
        }
        logger.info("dispatcher stopped")
    }

    /// Claims and handles due deliveries until a claim comes back short of a full batch; returns how many it
    /// handled.
    @discardableResult
    public func drainOnce() async throws -> Int {
        try await drain(unless: nil)
    }

    /// Sleeps until the next row is due or the poll interval ends, whichever is first. A wake-up signal
    /// (new rows written) makes it look again at when the next row is due: a reminder for next week
    /// does not cost a claim round (a write transaction) per text that adds one.
    private func waitForWork(unless stopping: StopFlag) async throws {
        let pollEnd = clock.now().addingTimeInterval(settings.pollInterval)
        while true {
            let now = clock.now()
            var deadline = pollEnd
            if let next = try await store.nextPendingDeliveryDue(), next < deadline { deadline = next }
            guard deadline > now else { return }
            let clock = self.clock
            let wakeup = self.wakeup
            let until = deadline
            let signalled = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await clock.sleep(until: until)
                    return false
                }
                group.addTask {
                    await wakeup.wait()
                    return true
                }
                let first = try await group.next() ?? false
                group.cancelAll()
                return first
            }
            if !signalled || Task.isCancelled || stopping.isSet { return }
        }
    }

    /// What handling one row decided: its result, and the email copy to write with it (issue 5).
    public struct Decision: Sendable {
        public var result: DeliveryResult
        public var emailCopy: PreparedEmail?
        /// The row was deleted, or another node took it over after this claim's lease ran out: nothing was
        /// sent and nothing is recorded.
        public var claimLost = false
        /// The row as it was re-read before the send (for logs); `nil` when it could not be.
        public var delivery: Delivery?
    }

    /// Decides what to do with one claimed delivery and, if it is to be sent, sends it.
    func decide(_ claimedEarlier: ClaimedDelivery) async -> DeliveryResult {
        await decideWithCopy(claimedEarlier).result
    }

    /// Re-reads one claimed row and decides it (``decide(_:)`` with the email copy).
    func decideWithCopy(_ claimedEarlier: ClaimedDelivery) async -> Decision {
        let refreshed = await refresh([HeldClaim(reference: claimedEarlier.reference, leaseUntil: claimedEarlier.leaseUntil)])
        return await decide(refreshed.first ?? .lost)
    }

    /// Decides and sends one re-read row. An SMS row is one scheduled message: it is rendered once and goes
    /// out on the channels the person chose for its kind, the email leg as a copy row written with this
    /// row's result. An email row sends the copy (or the address confirmation) it carries.
    func decide(_ refreshed: Refreshed) async -> Decision {
        let claimed: ClaimedDelivery
        switch refreshed {
        case .current(let current): claimed = current
        case .lost: return Decision(result: .canceled(reason: "claim no longer held"), claimLost: true)
        case .unreadable(let message):
            return Decision(
                result: .retry(
                    at: clock.now().addingTimeInterval(settings.pollInterval), errorCode: nil,
                    message: "could not re-read the delivery: \(message)"))
        }
        var decision = await decide(current: claimed)
        decision.delivery = claimed.delivery
        return decision
    }

    private func decide(current claimed: ClaimedDelivery) async -> Decision {
        if claimed.delivery.channel == .email { return Decision(result: await sendEmailRow(claimed)) }
        if claimed.delivery.kind == .phoneCode { return Decision(result: await sendPhoneCode(claimed)) }
        if claimed.delivery.kind.isPartnerMessage { return Decision(result: await sendPartnerMessage(claimed)) }
        let channels: Set<DeliveryChannel> =
            claimed.delivery.payload == SQLTaskStore.smsFallback
            ? [.sms] : ChannelPlan.channels(for: claimed.delivery.kind, user: claimed.user, mailAvailable: mail != nil)
        let message: Rendered
        switch await render(claimed, email: channels.contains(.email)) {
        case .done(let result): return Decision(result: result)
        case .message(let rendered): message = rendered
        }
        let smsBlocked: String? =
            if !channels.contains(.sms) { "email only" }
            else if claimed.user.phone == nil { "no phone linked" }
            else if claimed.user.isOptedOut { "recipient opted out" }
            else if claimed.user.numberInvalidAt != nil { "number marked invalid" }
            else { nil }
        if let smsBlocked {
            guard let email = message.email else { return Decision(result: .suppressed(reason: smsBlocked)) }
            // The message still goes out, by email: the schedule moves on as if it had been texted.
            return Decision(
                result: .sentByEmail(nudgedTaskIDs: message.nudged, motivationLine: message.motivationLine),
                emailCopy: email)
        }
        let result = await send(message.sms, to: claimed) { sid in
            claimed.delivery.kind.isDigest
                ? .sentDigest(providerMessageID: sid, body: message.sms, nudgedTaskIDs: message.nudged,
                    motivationLine: message.motivationLine)
                : .sent(providerMessageID: sid, body: message.sms)
        }
        return Decision(result: result, emailCopy: message.email)
    }

    /// Whether a claim holding until `leaseUntil` (unknown: `nil`) must be renewed before its send: when
    /// less than half the lease is left. Half of the shortest lease allowed (40 s) still outlasts a send's
    /// timeout (15 s).
    static func needsRenewal(leaseUntil: Date?, now: Date, leaseDuration: TimeInterval) -> Bool {
        guard let leaseUntil else { return true }
        return leaseUntil.timeIntervalSince(now) < leaseDuration / 2
    }

    /// Sends a phone-link code to the number being linked (not the account's: it has none yet). A number
    /// that texted STOP gets nothing; the recorded body never holds the code.
    private func sendPhoneCode(_ claimed: ClaimedDelivery) async -> DeliveryResult {
        guard let data = claimed.delivery.payload.map({ Data($0.utf8) }),
            let request = try? JSONDecoder().decode(PhoneCodePayload.self, from: data), let phone = Phone(request.phone)
        else { return .failed(errorCode: nil, message: "unreadable phone code payload") }
        do {
            if let texter = try await store.user(phone: phone), texter.isOptedOut {
                return .suppressed(reason: "recipient opted out")
            }
        } catch {
            return .retry(at: clock.now().addingTimeInterval(settings.pollInterval), errorCode: nil, message: "\(error)")
        }
        let body = settings.templates.render("sms/phone_code", ["program": settings.programName, "code": request.code])
        var target = claimed
        target.user.phone = phone
        let result = await send(body, to: target) { .sent(providerMessageID: $0, body: "Link code sent to \(phone.masked)") }
        switch result {
        // The number is not this account's yet: Twilio's verdict must not mark the account.
        case .recipientOptedOut(let code, let message), .recipientInvalid(let code, let message):
            return .failed(errorCode: code, message: message)
        default:
            return result
        }
    }

    /// Sends one text and classifies the outcome (retry with backoff, permanent, opted out, invalid).
    func send(
        _ body: String, to claimed: ClaimedDelivery, accepted: (String) -> DeliveryResult
    ) async -> DeliveryResult {
        let delivery = claimed.delivery
        // An empty text means a template is missing: an operator problem, never a blank SMS.
        guard !body.isEmpty else { return .failed(errorCode: nil, message: "the message template rendered empty") }
        guard let phone = claimed.user.phone else { return .suppressed(reason: "no phone linked") }
        switch await transport.send(OutboundSMS(to: phone, body: body)) {
        case .accepted(let sid):
            return accepted(sid)
        case .transient(let code, let message, let retryAfter):
            guard
                let delay = settings.retryPolicy.delay(
                    afterAttempt: delivery.attempts, retryAfter: retryAfter, random: Double.random(in: 0..<1))
            else { return .dead(errorCode: code, message: message) }
            return .retry(at: clock.now().addingTimeInterval(delay), errorCode: code, message: message)
        case .recipientOptedOut(let code, let message):
            return .recipientOptedOut(errorCode: code, message: message)
        case .recipientInvalid(let code, let message):
            return .recipientInvalid(errorCode: code, message: message)
        case .permanent(let code, let message):
            return .failed(errorCode: code, message: message)
        }
    }
}

/// A one-way flag shared between the loop and the shutdown handler.
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}
