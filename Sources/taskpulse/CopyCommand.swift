import ArgumentParser
import Foundation
import Logging
import TaskPulseStorage
import TaskPulseTiming

/// `taskpulse copy`: moves every row from one database into another, empty one (SQLite to PostgreSQL).
struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy all data from one database into another, empty one (e.g. SQLite to PostgreSQL).",
        discussion: """
            Stop every `taskpulse serve` first: rows written during the copy would be missed. Both URLs take \
            the forms TASKPULSE_DATABASE_URL takes. The target is migrated first and must hold nobody yet. \
            Ids are kept, so tokens, links and the outbox carry over; see docs/DEPLOY.md.
            """)

    @Option(help: "The database to read (a SQLite path, sqlite:///path or postgres://...).")
    var from: String

    @Option(help: "The empty database to fill (postgres://... or a SQLite path).")
    var to: String

    func run() async throws {
        let logger = makeLogger(try loadConfiguration())
        let source: SQLTaskStore
        let target: SQLTaskStore
        do {
            source = try SQLTaskStore.open(DatabaseLocation(url: from), calculator: OccurrenceCalculator(), logger: logger)
            target = try SQLTaskStore.open(DatabaseLocation(url: to), calculator: OccurrenceCalculator(), logger: logger)
        } catch {
            FileHandle.standardError.write(Data("taskpulse copy: \(error)\n".utf8))
            throw ExitCode(2)
        }
        do {
            // The source is brought up to date too, so both have the same columns.
            try await source.migrate()
            try await target.migrate()
            let copied = try await target.copyAll(from: source)
            let total = copied.reduce(0) { $0 + $1.rows }
            logger.notice(
                "copy complete",
                metadata: ["tp.rows": "\(total)", "tp.people": "\(copied.first { $0.table == "users" }?.rows ?? 0)"])
        } catch {
            await source.shutdown()
            await target.shutdown()
            FileHandle.standardError.write(Data("taskpulse copy: \(error)\n".utf8))
            throw ExitCode(1)
        }
        await source.shutdown()
        await target.shutdown()
    }
}
