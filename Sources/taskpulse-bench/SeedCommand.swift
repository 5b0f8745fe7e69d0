import ArgumentParser
import Foundation
import TaskPulseTestSupport

/// Writes a large SQLite database (people, open tasks with pending reminders, digests) for the memory
/// and start-up benchmarks.
struct SeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed", abstract: "Create a SQLite database with many people and pending reminders.")

    @Option(help: "The SQLite file to create (must not exist).") var database: String
    @Option(help: "People.") var people: Int = 100_000
    @Option(help: "Open tasks with a pending reminder, in all.") var reminders: Int = 1_000_000
    @Option(help: "Of those, tasks of the first person (+15553000000).") var firstPersonTasks: Int = 1_000

    func validate() throws {
        guard people > 0, reminders >= firstPersonTasks, firstPersonTasks >= 0 else {
            throw ValidationError("need people > 0 and reminders >= first-person-tasks >= 0")
        }
        guard !FileManager.default.fileExists(atPath: database) else {
            throw ValidationError("\(database) exists; the seeder only creates new databases")
        }
    }

    func run() async throws {
        let started = ContinuousClock.now
        try await BenchmarkSeeder.seed(
            path: database,
            plan: .init(people: people, reminders: reminders, firstPersonTasks: firstPersonTasks, now: Date()))
        print("seeded \(database): \(people) people, \(reminders) pending reminders "
            + "(\(firstPersonTasks) for \(BenchmarkSeeder.firstPhone)) in \(ContinuousClock.now - started)")
    }
}
