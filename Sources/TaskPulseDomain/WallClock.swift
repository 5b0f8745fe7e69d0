import Foundation

/// The one place that says what time it is (DESIGN §1). Named so it does not shadow Swift's `Clock`.
///
/// Production uses ``SystemWallClock``; tests use a fake that moves when told, so nothing sleeps.
public protocol WallClock: Sendable {
    /// The current instant.
    func now() -> Date
    /// Suspends until `deadline` has been reached on this clock.
    /// - Throws: `CancellationError` when the calling task is cancelled first.
    func sleep(until deadline: Date) async throws
}

/// The real clock: system time, and `Task.sleep` for waiting.
public struct SystemWallClock: WallClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        if seconds > 0 {
            try await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up))))
        } else {
            try Task.checkCancellation()
        }
    }
}
