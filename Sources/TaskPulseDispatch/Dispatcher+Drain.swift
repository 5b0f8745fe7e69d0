import Foundation
import Logging
import TaskPulseDomain
import TaskPulseStorage

/// Working through due rows: claim a batch, re-read rows just before their sends, send, record.
extension Dispatcher {
    /// A row this dispatcher claimed, and until when the claim holds (`nil`: unknown, renew before sending).
    struct HeldClaim: Sendable {
        var reference: ClaimReference
        var leaseUntil: Date?
    }

    /// A claimed row as re-read just before its send.
    enum Refreshed: Sendable {
        /// The claim holds: the row, person and task as they are now.
        case current(ClaimedDelivery)
        /// The row was deleted, or another node took it over after this claim's lease ran out.
        case lost
        /// The store could not be read: the row is tried again after the poll interval.
        case unreadable(String)
    }

    /// What a drain's child task finished.
    private enum DrainStep: Sendable {
        case claimed(Result<[HeldClaim], any Error>)
        /// A send (or the decision not to send) is over; `nil`: nothing to record, the claim was lost.
        case decided(HeldClaim, Decision?)
        case recorded
    }

    /// Claims due rows a batch at a time and sends them, `concurrency` at once; a send's slot is free again
    /// once Twilio answered, while its result is being recorded (a record waits for its group's flush), as
    /// long as no more than `concurrency` results wait to be recorded. While
    /// the last rows of a full batch are going out the next batch is already being claimed, so a burst never
    /// stops to claim; a batch that comes back short ends the round. Once `stopping` is set no further batch
    /// is claimed and the rows in hand are finished.
    func drain(unless stopping: StopFlag?) async throws -> Int {
        let first = try await claimBatch()
        guard !first.isEmpty else { return 0 }
        var handled = first.count
        await withTaskGroup(of: DrainStep.self) { group in
            var waiting = first[...]
            var moreDue = first.count >= settings.batchSize
            var claiming = false
            var sending = 0
            // Sent but not yet recorded: a crash now sends these again (the duplicate window), so at most
            // `concurrency` of them wait on the disk beside the sends in flight.
            var recording = 0
            while true {
                if !claiming, moreDue, waiting.count <= 2 * settings.concurrency, stopping?.isSet != true {
                    claiming = true
                    group.addTask {
                        do { return .claimed(.success(try await claimBatch())) } catch { return .claimed(.failure(error)) }
                    }
                }
                let room = min(settings.concurrency - sending, 2 * settings.concurrency - sending - recording)
                if !waiting.isEmpty, sending + recording == 0 || room >= min(settings.refreshBatch, waiting.count, settings.concurrency) {
                    let batch = Array(waiting.prefix(max(1, room)))
                    waiting = waiting.dropFirst(batch.count)
                    let refreshed = await refresh(batch)
                    for (claim, current) in zip(batch, refreshed) {
                        group.addTask { .decided(claim, await sendIfHeld(claim, current)) }
                        sending += 1
                    }
                    continue
                }
                guard let step = await group.next() else { break }
                switch step {
                case .claimed(.success(let claimed)):
                    claiming = false
                    handled += claimed.count
                    waiting.append(contentsOf: claimed)
                    moreDue = claimed.count >= settings.batchSize
                case .claimed(.failure(let error)):
                    // The rows in hand still finish; the next round claims again.
                    claiming = false
                    moreDue = false
                    logger.error("could not claim more due rows", metadata: ["error": "\(String(reflecting: error))"])
                case .decided(let claim, let decision):
                    sending -= 1
                    if let decision {
                        recording += 1
                        group.addTask {
                            await record(decision, of: claim.reference)
                            return .recorded
                        }
                    }
                case .recorded:
                    recording -= 1
                }
            }
        }
        return handled
    }

    /// Claims up to `batchSize` due rows (or rows whose lease ran out), leased for `leaseDuration`. The
    /// rows themselves are read when they are about to be sent.
    private func claimBatch() async throws -> [HeldClaim] {
        let now = clock.now()
        let leaseUntil = now.addingTimeInterval(settings.leaseDuration)
        return try await store.claimDue(now: now, limit: settings.batchSize, leaseUntil: leaseUntil)
            .map { HeldClaim(reference: $0, leaseUntil: leaseUntil) }
    }

    /// Re-reads claimed rows just before their sends (DESIGN §3: the opt-out check happens at send time),
    /// all in one read. A claim with less than half its lease left is renewed instead, in a write of its
    /// own, so no other node takes the row over while it is being sent.
    func refresh(_ batch: [HeldClaim]) async -> [Refreshed] {
        let now = clock.now()
        var refreshed = [Refreshed](repeating: .lost, count: batch.count)
        var fresh: [Int] = []
        for (index, claim) in batch.enumerated() {
            guard Self.needsRenewal(leaseUntil: claim.leaseUntil, now: now, leaseDuration: settings.leaseDuration)
            else {
                fresh.append(index)
                continue
            }
            do {
                let renewed = try await store.renewClaim(
                    ofDelivery: claim.reference.deliveryID, attempt: claim.reference.attempt,
                    leaseUntil: now.addingTimeInterval(settings.leaseDuration))
                refreshed[index] = renewed.map(Refreshed.current) ?? .lost
            } catch {
                refreshed[index] = .unreadable("\(error)")
            }
        }
        guard !fresh.isEmpty else { return refreshed }
        do {
            let current = try await store.currentClaims(fresh.map { batch[$0].reference })
            for (index, claim) in zip(fresh, current) { refreshed[index] = claim.map(Refreshed.current) ?? .lost }
        } catch {
            for index in fresh { refreshed[index] = .unreadable("\(error)") }
        }
        return refreshed
    }

    /// Decides and sends one re-read row; `nil` when its claim no longer holds (nothing to record).
    private func sendIfHeld(_ claim: HeldClaim, _ current: Refreshed) async -> Decision? {
        let decision = await decide(current)
        guard !decision.claimLost else {
            logger.notice("claim no longer held; left to its holder", metadata: Self.metadata(claim.reference))
            return nil
        }
        logger.debug(
            "delivery handled", metadata: Self.metadata(claim.reference, delivery: decision.delivery, result: decision.result))
        return decision
    }

    /// Records what happened to a claimed row, with the email copy to send next.
    private func record(_ decision: Decision, of claim: ClaimReference) async {
        do {
            // Recording is shielded from cancellation: a message Twilio accepted must be written down,
            // or it would be sent again when the lease runs out.
            let store = self.store
            let now = clock.now()
            let recorded = try await Task {
                try await store.recordDeliveryResult(
                    decision.result, deliveryID: claim.deliveryID, now: now, emailCopy: decision.emailCopy,
                    claimedAttempt: claim.attempt)
            }.value
            guard recorded else {
                // The send outlasted the lease and another node took the row over: its result stands.
                logger.warning(
                    "claim lost during the send; result not recorded",
                    metadata: Self.metadata(claim, delivery: decision.delivery, result: decision.result))
                return
            }
            if decision.emailCopy != nil { wakeup.signal() }
        } catch {
            // The lease runs out and the row is tried again: the documented duplicate window (DESIGN §4).
            logger.error(
                "could not record a delivery result",
                metadata: Self.metadata(claim, delivery: decision.delivery, result: decision.result)
                    .merging(["error": "\(error)"]) { $1 })
        }
    }

    /// Log metadata for one row (and its result), built only when a line is logged.
    private static func metadata(
        _ claim: ClaimReference, delivery: Delivery? = nil, result: DeliveryResult? = nil
    ) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["tp.delivery_id": "\(claim.deliveryID)"]
        if let delivery {
            metadata["tp.user_id"] = "\(delivery.userID)"
            metadata["tp.channel"] = "\(delivery.channel)"
        }
        switch result {
        case .sent(let sid, _): metadata["tp.provider_id"] = "\(sid)"
        case .retry(_, let code, let message), .dead(let code, let message), .failed(let code, let message):
            metadata["tp.error_code"] = "\(code ?? "-")"
            metadata["tp.error"] = "\(message)"
        default: break
        }
        if let result { metadata["tp.result"] = "\(result)" }
        return metadata
    }
}
