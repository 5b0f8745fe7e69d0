import Foundation
import GRDB
import Logging
import TaskPulseStorage
import TaskPulseTiming

/// Fills a SQLite database with many people and pending reminders, fast, for the memory and start-up
/// benchmarks (`taskpulse-bench seed`) and the test that checks the store reads what it writes.
///
/// The schema comes from the store's own migrations; the rows are what the store writes for a text such
/// as "add water plants fri 6pm": an open task with its pending reminder, plus each person's pending
/// morning agenda and weekly report, so start-up finds nothing missing.
public enum BenchmarkSeeder {
    public struct Plan: Sendable {
        /// People, numbered from `+15553000000`.
        public var people: Int
        /// Open tasks with a pending reminder, spread over the people.
        public var reminders: Int
        /// Of those, how many belong to the first person (the `list` benchmark).
        public var firstPersonTasks: Int
        /// Reminders fall due between one and 31 days after this instant.
        public var now: Date

        public init(people: Int, reminders: Int, firstPersonTasks: Int, now: Date) {
            self.people = people
            self.reminders = reminders
            self.firstPersonTasks = firstPersonTasks
            self.now = now
        }
    }

    /// The first person's number (the one with `firstPersonTasks` tasks).
    public static let firstPhone = "+15553000000"

    /// Creates the schema at `path` (which must not exist yet) and writes the plan's rows in one transaction.
    public static func seed(path: String, plan: Plan) async throws {
        precondition(plan.people > 0 && plan.reminders >= plan.firstPersonTasks)
        let store = try SQLTaskStore.sqlite(path: path, calculator: OccurrenceCalculator(), logger: Logger(label: "seed"))
        try await store.migrate()
        await store.shutdown()
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try insert(plan, into: db)
        }
        try queue.close()
    }

    private static func insert(_ plan: Plan, into db: Database) throws {
        let now = plan.now.timeIntervalSince1970
        let zone = "America/New_York"
        let user = try db.cachedStatement(sql: "INSERT INTO users (id, phone, time_zone, created_at) VALUES (?, ?, ?, ?)")
        let digest = try db.cachedStatement(
            sql: """
                INSERT INTO deliveries (user_id, kind, due_at, scheduled_for, status, created_at, updated_at)
                VALUES (?, ?, ?, ?, 'pending', ?, ?)
                """)
        for person in 1...plan.people {
            try user.execute(arguments: [person, "+1555\(3_000_000 + person - 1)", zone, now])
            // Tomorrow's agenda and the next weekly report, at times spread over the day.
            let agenda = now + 86_400 + Double(person % 86_400)
            try digest.execute(arguments: [person, "agenda", agenda, agenda, now, now])
            try digest.execute(arguments: [person, "weekly", agenda + 3 * 86_400, agenda + 3 * 86_400, now, now])
        }
        let task = try db.cachedStatement(
            sql: """
                INSERT INTO tasks (id, user_id, number, title, status, due_at, remind_at, time_zone, created_at, updated_at)
                VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)
                """)
        let reminder = try db.cachedStatement(
            sql: """
                INSERT INTO deliveries (user_id, task_id, kind, due_at, status, created_at, updated_at)
                VALUES (?, ?, 'reminder', ?, 'pending', ?, ?)
                """)
        let others = plan.reminders - plan.firstPersonTasks
        var nextNumber = [Int](repeating: 1, count: plan.people + 1)
        for index in 0..<plan.reminders {
            let person = index < plan.firstPersonTasks ? 1 : (plan.people == 1 ? 1 : 2 + (index - plan.firstPersonTasks) % (plan.people - 1))
            let number = nextNumber[person]
            nextNumber[person] += 1
            // Due one to 31 days from now, on whole minutes, spread evenly.
            let due = (now + 86_400 + Double(index % max(others, 1)) * (30 * 86_400 / Double(max(others, 1)))).rounded(.down)
            let minute = (due / 60).rounded(.down) * 60
            let id = index + 1
            try task.execute(arguments: [id, person, number, "water plants \(id)", minute, minute, zone, now, now])
            try reminder.execute(arguments: [person, id, minute, now, now])
        }
    }
}
