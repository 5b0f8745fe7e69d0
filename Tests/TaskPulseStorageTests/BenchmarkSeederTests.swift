import Foundation
import Logging
import Testing

import TaskPulseDomain
import TaskPulseStorage
import TaskPulseTestSupport
import TaskPulseTiming

/// The benchmark database must hold what the store itself would write, or the memory and start-up
/// figures would measure a database the service never sees.
@Suite("The benchmark seeder")
struct BenchmarkSeederTests {
    @Test("seeded people, tasks and reminders read back through the store")
    func seededRowsReadBack() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("seed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("seed.sqlite").path
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        try await BenchmarkSeeder.seed(path: path, plan: .init(people: 10, reminders: 100, firstPersonTasks: 40, now: now))

        let store = try SQLTaskStore.sqlite(path: path, calculator: OccurrenceCalculator(), logger: Logger(label: "test"))
        try await store.migrate()
        let first = try #require(try await store.user(phone: Phone(BenchmarkSeeder.firstPhone)!))
        let tasks = try await store.tasks(userID: first.id, status: .open)
        #expect(tasks.count == 40)
        #expect(tasks.map(\.number) == Array(1...40))
        #expect(tasks.allSatisfy { ($0.remindAt ?? now) > now.addingTimeInterval(86_000) })
        // Nothing is due now; a month on, every reminder and every person's digests are.
        #expect(try await store.claimDueDeliveries(now: now, limit: 1000, leaseUntil: now.addingTimeInterval(60)).isEmpty)
        let later = now.addingTimeInterval(32 * 86_400)
        let due = try await store.claimDueDeliveries(now: later, limit: 1000, leaseUntil: later.addingTimeInterval(60))
        #expect(due.filter { $0.delivery.kind == .reminder }.count == 100)
        #expect(due.filter { $0.delivery.kind.isDigest }.count == 20)
        // Start-up finds no person without their digests.
        #expect(try await store.scheduleMissingDigests(now: now) == 0)
        await store.shutdown()
    }
}
