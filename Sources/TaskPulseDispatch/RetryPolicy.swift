import Foundation

/// When to try a failed send again: exponential backoff with jitter, up to a limit (DESIGN §4). Pure.
public struct RetryPolicy: Sendable, Equatable {
    /// The delay before the first retry.
    public var baseDelay: TimeInterval
    /// The longest delay between two attempts.
    public var maximumDelay: TimeInterval
    /// Attempts (the first send included) after which a message is marked dead.
    public var maximumAttempts: Int

    public init(baseDelay: TimeInterval = 2, maximumDelay: TimeInterval = 600, maximumAttempts: Int = 8) {
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.maximumAttempts = maximumAttempts
    }

    /// The delay after attempt number `attempt` (1-based) failed, or `nil` when no retry is left.
    ///
    /// "Equal jitter": half the exponential step is fixed and half is random, so retries spread out
    /// but never come sooner than half the step. A provider's `Retry-After` is a floor.
    /// - Parameter random: a number in `0..<1` (injected so tests are deterministic).
    public func delay(afterAttempt attempt: Int, retryAfter: TimeInterval?, random: Double) -> TimeInterval? {
        guard attempt < maximumAttempts else { return nil }
        let step = min(maximumDelay, baseDelay * pow(2, Double(max(0, attempt - 1))))
        let jittered = step / 2 + step / 2 * min(max(random, 0), 1)
        return max(jittered, retryAfter ?? 0)
    }
}
