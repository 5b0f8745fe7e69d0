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
        public var batchSize = 200
        /// Sends in flight at once.
        public var concurrency = 16
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
        /// The SMS templates (from `prompts/sms/`).
        public var templates = MessageTemplates.empty

        public init() {}
    }

    let store: any TaskStore
    let transport: any SMSTransport
    let clock: any WallClock
    let wakeup: DispatchWakeup
    let settings: Settings
    let logger: Logger

    public init(
        store: any TaskStore, transport: any SMSTransport, clock: any WallClock, wakeup: DispatchWakeup,
        settings: Settings = Settings(), logger: Logger
    ) {
        self.store = store
        self.transport = transport
        self.clock = clock
        self.wakeup = wakeup
        self.settings = settings
        self.logger = logger
    }

    /// Runs until graceful shutdown (or cancellation); the batch in hand is finished first.
    public func run() async throws {
        if settings.releaseClaimsAtStart {
            let released = try await store.releaseAllClaims(now: clock.now())
            if released > 0 { logger.notice("released interrupted claims", metadata: ["tp.count": "\(released)"]) }
        }
        let stopping = StopFlag()
        await withGracefulShutdownHandler {
            while !stopping.isSet && !Task.isCancelled {
                do {
                    let handled = try await drainOnce()
                    if handled == 0 && !stopping.isSet { try await waitForWork() }
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

    /// Claims and handles one batch of due deliveries; returns how many it handled.
    @discardableResult
    public func drainOnce() async throws -> Int {
        let now = clock.now()
        let claimed = try await store.claimDueDeliveries(
            now: now, limit: settings.batchSize, leaseUntil: now.addingTimeInterval(settings.leaseDuration))
        guard !claimed.isEmpty else { return 0 }
        await withTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for delivery in claimed {
                if inFlight >= settings.concurrency {
                    await group.next()
                    inFlight -= 1
                }
                group.addTask { await handle(delivery) }
                inFlight += 1
            }
        }
        return claimed.count
    }

    /// Sleeps until the next row is due, a wake-up signal, or the poll interval, whichever is first.
    private func waitForWork() async throws {
        let now = clock.now()
        var deadline = now.addingTimeInterval(settings.pollInterval)
        if let next = try await store.nextPendingDeliveryDue(), next < deadline { deadline = next }
        guard deadline > now else { return }
        let clock = self.clock
        let wakeup = self.wakeup
        let until = deadline
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await clock.sleep(until: until) }
            group.addTask { await wakeup.wait() }
            _ = try await group.next()
            group.cancelAll()
        }
    }

    private func handle(_ claimed: ClaimedDelivery) async {
        let delivery = claimed.delivery
        var metadata: Logger.Metadata = ["tp.delivery_id": "\(delivery.id)", "tp.user_id": "\(delivery.userID)"]
        let result = await decide(claimed)
        switch result {
        case .sent(let sid, _): metadata["twilio.message_sid"] = "\(sid)"
        case .retry(_, let code, let message), .dead(let code, let message), .failed(let code, let message):
            metadata["tp.error_code"] = "\(code ?? "-")"
            metadata["tp.error"] = "\(message)"
        default: break
        }
        logger.debug("delivery handled", metadata: metadata.merging(["tp.result": "\(result)"]) { $1 })
        do {
            // Recording is shielded from cancellation: a message Twilio accepted must be written down,
            // or it would be sent again when the lease runs out.
            let store = self.store
            let now = clock.now()
            try await Task { try await store.recordDeliveryResult(result, deliveryID: delivery.id, now: now) }.value
        } catch {
            // The lease runs out and the row is tried again: the documented duplicate window (DESIGN §4).
            logger.error("could not record a delivery result", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        }
    }

    /// Decides what to do with one claimed delivery and, if it is to be sent, sends it.
    func decide(_ claimedEarlier: ClaimedDelivery) async -> DeliveryResult {
        // Rows wait for a free send slot after the claim: re-read the person and task now (DESIGN §3:
        // the opt-out check happens at send time).
        let claimed: ClaimedDelivery
        do {
            guard let current = try await store.currentState(ofDelivery: claimedEarlier.delivery.id) else {
                return .canceled(reason: "delivery no longer exists")
            }
            claimed = current
        } catch {
            return .retry(
                at: clock.now().addingTimeInterval(settings.pollInterval), errorCode: nil,
                message: "could not re-read the delivery: \(error)")
        }
        let delivery = claimed.delivery
        if claimed.user.isOptedOut { return .suppressed(reason: "recipient opted out") }
        if claimed.user.numberInvalidAt != nil { return .suppressed(reason: "number marked invalid") }
        if delivery.kind.isDigest { return await sendDigest(claimed) }
        guard let task = claimed.task, task.status == .open else {
            return .canceled(reason: "task no longer open")
        }
        let now = clock.now()
        let body = ReminderText.render(
            task: task, dueAt: task.remindAt ?? delivery.dueAt, now: now, programName: settings.programName,
            templates: settings.templates)
        return await send(body, to: claimed) { .sent(providerMessageID: $0, body: body) }
    }

    /// Renders a digest from what is true now: skipped when stale or when there is nothing to say.
    private func sendDigest(_ claimed: ClaimedDelivery) async -> DeliveryResult {
        let delivery = claimed.delivery
        let now = clock.now()
        if let period = delivery.kind.stalePeriod, now.timeIntervalSince(delivery.scheduledFor ?? delivery.dueAt) > period {
            return .canceled(reason: "stale: older than its period")
        }
        // Downtime or retries can bring a digest into quiet hours: hold it until they end (DESIGN §3).
        if let end = QuietHours.end(containing: now, settings: claimed.user.settings, zoneID: claimed.user.timeZoneID) {
            return .retry(at: end, errorCode: nil, message: "held for quiet hours")
        }
        let content: DigestContent
        do {
            content = try await store.digestContent(userID: claimed.user.id, now: now)
        } catch {
            return .retry(at: now.addingTimeInterval(settings.pollInterval), errorCode: nil, message: "digest content: \(error)")
        }
        let text = DigestText(
            programName: settings.programName, templates: settings.templates, zone: TimeZone(identifier: claimed.user.timeZoneID) ?? .gmt, now: now)
        var body: String?
        var nudged: [TaskID] = []
        var line: Int?
        switch delivery.kind {
        case .agenda: body = text.agenda(content)
        case .weekly: body = text.weekly(content)
        case .nudge:
            body = text.nudge(content)
            nudged = content.newlyOverdue.map(\.id)
        case .motivation:
            if let (words, index) = text.motivation(content, catalog: settings.motivation) {
                body = words
                line = index
            }
        case .reminder: break
        }
        guard let body else { return .canceled(reason: "nothing to say") }
        return await send(body, to: claimed) {
            .sentDigest(providerMessageID: $0, body: body, nudgedTaskIDs: nudged, motivationLine: line)
        }
    }

    /// Sends one text and classifies the outcome (retry with backoff, permanent, opted out, invalid).
    private func send(
        _ body: String, to claimed: ClaimedDelivery, accepted: (String) -> DeliveryResult
    ) async -> DeliveryResult {
        let delivery = claimed.delivery
        // An empty text means a template is missing: an operator problem, never a blank SMS.
        guard !body.isEmpty else { return .failed(errorCode: nil, message: "the message template rendered empty") }
        switch await transport.send(OutboundSMS(to: claimed.user.phone, body: body)) {
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
