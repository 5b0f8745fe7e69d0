import ArgumentParser

/// Tools for `scripts/bench/`: a fast fake Twilio, an open-loop webhook load generator and a bulk
/// database seeder. Not part of the service; built in release by the benchmark scripts.
@main
struct BenchCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "taskpulse-bench",
        abstract: "Benchmark tools for TaskPulse (scripts/bench/).",
        subcommands: [FakeTwilioCommand.self, LoadCommand.self, SeedCommand.self]
    )
}
