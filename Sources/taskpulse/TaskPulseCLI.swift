import ArgumentParser

/// The `taskpulse` command line: thin over the library targets (STYLE.md §1).
@main
struct TaskPulseCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "taskpulse",
        abstract: "TaskPulse: tasks and reminders by text message.",
        subcommands: [ServeCommand.self, MigrateCommand.self, CopyCommand.self, ParseCommand.self])
}
