import Foundation
import Synchronization
import TaskPulseDomain
import TaskPulseStorage
import TaskPulseTestSupport
import Testing

/// Several nodes on one database (DESIGN §5): each store here is a node with its own connections. Runs on
/// SQLite (two pools on one file) and, in the conformance run, on PostgreSQL, where it matters.
@Suite("several nodes on one database")
struct StoreClusterTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    /// Writes `count` reminders due at `now` for one person.
    func dueReminders(_ store: SQLTaskStore, count: Int) async throws {
        let user = try await store.ensureUser(phone: Phone("+15555550100")!, timeZoneID: "America/New_York", now: now)
        for index in 0..<count {
            _ = try await store.applyChange(
                .addTask(
                    TaskDraft(title: "task \(index)", dueAt: now, remindAt: now, timeZoneID: "America/New_York")),
                userID: user.id, now: now.addingTimeInterval(-3600))
        }
    }

    @Test("two nodes claiming at once share the due rows: every row claimed, none twice")
    func concurrentClaims() async throws {
        try await TemporaryDatabase.with { database in
            let nodes = [try await database.openStore(), try await database.openStore()]
            try await dueReminders(nodes[0], count: 60)
            let claims = try await withThrowingTaskGroup(of: [DeliveryID].self) { group in
                for node in nodes {
                    group.addTask {
                        var mine: [DeliveryID] = []
                        while true {
                            let batch = try await node.claimDueDeliveries(
                                now: now, limit: 7, leaseUntil: now.addingTimeInterval(60))
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.delivery.id)
                        }
                    }
                }
                return try await group.reduce(into: [[DeliveryID]]()) { $0.append($1) }
            }
            let all = claims.flatMap { $0 }
            #expect(all.count == 60)
            #expect(Set(all).count == 60)
        }
    }

    @Test("a node that dies mid-batch: its rows wait for the lease, then another node takes them over; the old claim is void")
    func leaseTakeover() async throws {
        try await TemporaryDatabase.with { database in
            let dying = try await database.openStore()
            let survivor = try await database.openStore()
            try await dueReminders(dying, count: 5)
            let taken = try await dying.claimDueDeliveries(now: now, limit: 3, leaseUntil: now.addingTimeInterval(60))
            #expect(taken.count == 3)
            // The survivor gets only what the dead node had not claimed while the lease runs.
            let meanwhile = try await survivor.claimDueDeliveries(
                now: now.addingTimeInterval(30), limit: 10, leaseUntil: now.addingTimeInterval(90))
            #expect(meanwhile.count == 2)
            #expect(Set(meanwhile.map(\.delivery.id)).isDisjoint(with: taken.map(\.delivery.id)))
            let expired = now.addingTimeInterval(61)
            let takenOver = try await survivor.claimDueDeliveries(
                now: expired, limit: 10, leaseUntil: expired.addingTimeInterval(60))
            #expect(Set(takenOver.map(\.delivery.id)) == Set(taken.map(\.delivery.id)))
            #expect(takenOver.allSatisfy { $0.delivery.attempts == 2 })
            // Had the first node only been slow, its claim no longer holds: it must neither send nor record.
            let first = taken[0].delivery
            #expect(
                try await dying.renewClaim(
                    ofDelivery: first.id, attempt: first.attempts, leaseUntil: expired.addingTimeInterval(60)) == nil)
            let renewed = try await survivor.renewClaim(
                ofDelivery: first.id, attempt: 2, leaseUntil: expired.addingTimeInterval(120))
            #expect(renewed?.delivery.id == first.id)
            // The read-only check agrees: the old claim is gone, the new one holds until its renewed lease.
            #expect(try await dying.currentClaim(ofDelivery: first.id, attempt: first.attempts) == nil)
            let current = try await survivor.currentClaim(ofDelivery: first.id, attempt: 2)
            #expect(current?.delivery.id == first.id && current?.leaseUntil.map { abs($0.timeIntervalSince(expired) - 120) < 0.01 } == true)
            // Nor may its late result overwrite the row the survivor now holds.
            #expect(
                try await !dying.recordDeliveryResult(
                    .retry(at: expired, errorCode: "20429", message: "busy"), deliveryID: first.id, now: expired,
                    emailCopy: nil, claimedAttempt: first.attempts))
            let row = try await survivor.deliveries(userID: first.userID).first { $0.id == first.id }
            #expect(row?.status == .sending && row?.attempts == 2)
        }
    }

    @Test("claims re-read together: one answer per claim, in order; nil where another node took the row over or it is gone")
    func claimsRereadTogether() async throws {
        try await TemporaryDatabase.with { database in
            let slow = try await database.openStore()
            let other = try await database.openStore()
            try await dueReminders(slow, count: 3)
            let taken = try await slow.claimDueDeliveries(now: now, limit: 3, leaseUntil: now.addingTimeInterval(60))
            #expect(taken.count == 3)
            #expect(try await slow.currentClaims([]).isEmpty)
            // Within the lease every claim holds, read as one batch.
            let held = try await slow.currentClaims(taken.map(\.reference))
            #expect(held.map { $0?.delivery.id } == taken.map(\.delivery.id))
            #expect(held.allSatisfy { $0?.user.phone?.e164 == "+15555550100" && $0?.task != nil })
            // The other node takes the rows over once the lease ran out: the old claims are void, the new hold.
            let expired = now.addingTimeInterval(61)
            let takenOver = try await other.claimDueDeliveries(
                now: expired, limit: 3, leaseUntil: expired.addingTimeInterval(60))
            #expect(takenOver.count == 3)
            let missing = ClaimReference(deliveryID: DeliveryID(9_999_999), attempt: 1)
            let mixed = try await slow.currentClaims([
                taken[0].reference, ClaimReference(deliveryID: taken[1].delivery.id, attempt: 2), missing,
                ClaimReference(deliveryID: taken[2].delivery.id, attempt: 2),
            ])
            #expect(mixed.map { $0?.delivery.id } == [nil, taken[1].delivery.id, nil, taken[2].delivery.id])
            #expect(mixed[1]?.delivery.attempts == 2)
        }
    }

    @Test("a claim larger than one read's slice is read whole, in due order, each row once")
    func claimsReadInSlices() async throws {
        try await TemporaryDatabase.with { database in
            let store = try await database.openStore()
            let count = SQLTaskStore.claimsPerRead + 5
            try await dueReminders(store, count: count)
            let claimed = try await store.claimDueDeliveries(
                now: now, limit: count + 10, leaseUntil: now.addingTimeInterval(60))
            #expect(claimed.count == count)
            #expect(Set(claimed.map(\.delivery.id)).count == count)
            #expect(claimed.allSatisfy { $0.task?.title.hasPrefix("task ") == true && $0.delivery.attempts == 1 })
            #expect(claimed.map(\.delivery.id.rawValue) == claimed.map(\.delivery.id.rawValue).sorted())
        }
    }

    @Test("rows whose lease ran out and due rows are claimed together, earliest due first, a batch at a time")
    func expiredLeasesAndDueRowsInDueOrder() async throws {
        try await TemporaryDatabase.with { database in
            let dying = try await database.openStore()
            let survivor = try await database.openStore()
            let user = try await dying.ensureUser(
                phone: Phone("+15555550100")!, timeZoneID: "America/New_York", now: now)
            // Four reminders due ten minutes ago, claimed by a node that then dies.
            for index in 0..<4 {
                let at = now.addingTimeInterval(-600 + Double(index))
                _ = try await dying.applyChange(
                    .addTask(TaskDraft(title: "early \(index)", dueAt: at, remindAt: at, timeZoneID: "America/New_York")),
                    userID: user.id, now: now.addingTimeInterval(-3600))
            }
            let lost = try await dying.claimDueDeliveries(
                now: now.addingTimeInterval(-300), limit: 10, leaseUntil: now.addingTimeInterval(60))
            #expect(lost.count == 4)
            // Then twenty more, due one second apart up to now.
            for index in 0..<20 {
                let at = now.addingTimeInterval(Double(index - 19))
                _ = try await dying.applyChange(
                    .addTask(TaskDraft(title: "later \(index)", dueAt: at, remindAt: at, timeZoneID: "America/New_York")),
                    userID: user.id, now: now.addingTimeInterval(-3600))
            }
            let expired = now.addingTimeInterval(61)
            let lease = expired.addingTimeInterval(60)
            let first = try await survivor.claimDueDeliveries(now: expired, limit: 6, leaseUntil: lease)
            #expect(first.compactMap(\.task?.title) == ["early 0", "early 1", "early 2", "early 3", "later 0", "later 1"])
            #expect(first.prefix(4).allSatisfy { $0.delivery.attempts == 2 })
            var rest: [String] = []
            while case let batch = try await survivor.claimDueDeliveries(now: expired, limit: 6, leaseUntil: lease),
                !batch.isEmpty
            {
                rest += batch.compactMap(\.task?.title)
            }
            #expect(rest == (2..<20).map { "later \($0)" })
        }
    }

    @Test("the same MessageSid arriving at two nodes at once is applied once; both answer the same reply")
    func idempotencyAcrossNodes() async throws {
        try await TemporaryDatabase.with { database in
            let nodes = [try await database.openStore(), try await database.openStore(), try await database.openStore()]
            let user = try await nodes[0].ensureUser(
                phone: Phone("+15555550100")!, timeZoneID: "America/New_York", now: now)
            let message = InboundMessage(messageSid: "SMsame", body: "add call mom", receivedAt: now)
            let change = TaskChange.addTask(
                TaskDraft(title: "call mom", dueAt: nil, remindAt: nil, timeZoneID: "America/New_York"))
            let results = try await withThrowingTaskGroup(of: InboundResult.self) { group in
                for node in nodes {
                    group.addTask {
                        try await node.handleInbound(message, userID: user.id, change: change, now: now) { outcome, _ in
                            if case .added(let task, _) = outcome { return "Added #\(task.number)" }
                            return "other"
                        }
                    }
                }
                return try await group.reduce(into: [InboundResult]()) { $0.append($1) }
            }
            #expect(Set(results.map(\.reply)) == ["Added #1"])
            #expect(results.filter { !$0.isDuplicate }.count == 1)
            #expect(try await nodes[1].tasks(userID: user.id, status: nil).count == 1)
        }
    }

    // SQLite is one process per file, so only a shared database has nodes that migrate together.
    @Test(
        "nodes starting at once all migrate the same database without error",
        .enabled(if: TemporaryDatabase.postgresURL != nil, "PostgreSQL only"))
    func concurrentMigrations() async throws {
        try await TemporaryDatabase.with { database in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { _ = try await database.openStore() } }
                try await group.waitForAll()
            }
            let store = try await database.openStore()
            #expect(try await store.user(phone: Phone("+15555550100")!) == nil)
        }
    }

    @Test("the embedded engine releases a stopped process's claims at start; a shared database never does")
    func releaseAtStart() async throws {
        try await TemporaryDatabase.with { database in
            let store = try await database.openStore()
            try await dueReminders(store, count: 2)
            _ = try await store.claimDueDeliveries(now: now, limit: 10, leaseUntil: now.addingTimeInterval(60))
            let released = try await store.releaseAllClaims(now: now)
            #expect(released == (database.isPostgres ? 0 : 2))
        }
    }
}

@Suite("copying a database (SQLite to PostgreSQL)")
struct DatabaseCopyTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    @Test("every row moves with its id; the copy reads the same and new rows get fresh ids; a full target is refused")
    func copyAll() async throws {
        try await TemporaryDatabase.with(engine: .sqlite) { sourceDatabase in
            let source = try await sourceDatabase.openStore()
            let user = try await source.ensureUser(phone: Phone("+15555550100")!, timeZoneID: "Europe/Berlin", now: now)
            for index in 0..<(SQLTaskStore.copyBatchSize + 7) {
                _ = try await source.applyChange(
                    .addTask(
                        TaskDraft(
                            title: "task \(index) — ünïcode 'quoted'", dueAt: now.addingTimeInterval(Double(index) * 60),
                            remindAt: now.addingTimeInterval(Double(index) * 60), timeZoneID: "Europe/Berlin")),
                    userID: user.id, now: now)
            }
            _ = try await source.scheduleMissingDigests(now: now)
            try await TemporaryDatabase.with { targetDatabase in
                let target = try await targetDatabase.openStore()
                let copied = try await target.copyAll(from: source)
                #expect(copied.first { $0.table == "tasks" }?.rows == SQLTaskStore.copyBatchSize + 7)
                #expect(try await target.user(phone: Phone("+15555550100")!) == user)
                #expect(try await target.tasks(userID: user.id, status: nil) == source.tasks(userID: user.id, status: nil))
                #expect(try await target.deliveries(userID: user.id) == source.deliveries(userID: user.id))
                let other = try await target.ensureUser(phone: Phone("+15555550199")!, timeZoneID: "UTC", now: now)
                #expect(other.id.rawValue > user.id.rawValue)
                await #expect(throws: StoreError.self) { _ = try await target.copyAll(from: source) }
            }
        }
    }
}
