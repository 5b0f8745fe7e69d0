import Foundation
import TaskPulseMessaging

/// The repository's `prompts/` folder, for tests (the service itself reads `TASKPULSE_PROMPTS_DIR`).
public enum Prompts {
    public static var directory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("prompts").path
    }

    /// The SMS templates as shipped, loaded and checked as at start.
    public static func templates() async throws -> MessageTemplates {
        try await MessageTemplates.load(directory: directory)
    }

    /// The motivation catalog as shipped, loaded and checked as at start.
    public static func motivation() throws -> MotivationCatalog {
        try MotivationCatalog.load(directory: directory)
    }
}
