import Foundation
import GRDB
import Logging

/// How far SQLite's write-ahead log may grow.
///
/// A PASSIVE checkpoint copies the log into the database file without blocking anyone, but the log only
/// starts again from its beginning when a write begins with every frame copied, and its file never
/// shrinks by itself. Under a steady stream of writes that moment never comes: seeding 100,000 reminders
/// through the webhook left a 1.4 GB log beside a 67 MB database, and the file stayed that large. Now
/// the file is cut back to `fileBytes` whenever the log restarts (after any lull), and past
/// `restartFrames` the writer copies the rest of the log itself between two groups of writes, so the
/// next one restarts it even under load.
struct WALLimits: Sendable {
    /// Frames (pages written) in the log past which the writer is asked to restart it: 1 GiB of 1 KiB
    /// pages, about once a minute at 2,000 texts/s without a pause. It is a bound on the disk, not a
    /// routine: the writer stops for the copy and its flushes, ~100 ms at full load (with 64 MiB, a
    /// restart every few seconds took the fixed-rate p99 from 3.9 ms to 9.7 ms; docs/BENCHMARKS.md).
    var restartFrames: Int
    /// What the log file is cut back to when it restarts (`PRAGMA journal_size_limit`).
    var fileBytes: Int
    /// How often the checkpointer copies the log into the database file.
    var interval: Duration
    /// How long after asking for a restart the checkpointer asks again if the log is still too long (a
    /// reader was still on it): each try holds the writer, so they are spaced out.
    var retry: Duration

    static let standard = WALLimits(
        restartFrames: 1 << 20, fileBytes: 64 << 20, interval: .milliseconds(250), retry: .seconds(1))
}

/// Copies the write-ahead log into the database file every `interval` on a connection of its own
/// (PASSIVE: it never blocks the writer or readers), and stops when its engine goes away. When the log
/// holds more than `restartFrames` it calls `logTooLong` (the writer then restarts it); when it is all
/// copied and its file is larger than `fileBytes`, it empties the file.
final class WALCheckpointer: Sendable {
    private let task: Task<Void, Never>

    init(path: String, limits: WALLimits, logger: Logger, logTooLong: @escaping @Sendable () -> Void) throws {
        var configuration = Configuration()
        configuration.label = "wal-checkpointer"
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        task = Task.detached(priority: .utility) {
            var failing = false
            let clock = ContinuousClock()
            var lastRequest: ContinuousClock.Instant?
            while !Task.isCancelled {
                try? await Task.sleep(for: limits.interval)
                do {
                    let (frames, copied) = try await queue.writeWithoutTransaction { db in try db.checkpoint(.passive) }
                    if frames > limits.restartFrames, lastRequest.map({ clock.now - $0 >= limits.retry }) ?? true {
                        lastRequest = clock.now
                        logTooLong()
                    }
                    if frames > 0, copied == frames, Self.fileSize(path + "-wal") > limits.fileBytes {
                        try await Self.truncateIdleLog(queue)
                    }
                    if failing { logger.notice("SQLite checkpoints work again") }
                    failing = false
                } catch is CancellationError {
                    break
                } catch {
                    // The log keeps growing until the disk recovers; writes still go to it, nothing is lost.
                    if !failing { logger.error("SQLite checkpoint failed", metadata: ["error": "\(error)"]) }
                    failing = true
                }
            }
            try? queue.close()
        }
    }

    deinit { task.cancel() }

    /// Empties a log that is all copied and larger than its limit while nobody writes (a lull), so the
    /// next write does not pay for cutting a large file back (~100 ms for 1 GiB, in the first commit
    /// after a burst). This connection waits for no lock: with a writer or a reader on the log it is
    /// busy, and the next pass tries again.
    private static func truncateIdleLog(_ queue: DatabaseQueue) async throws {
        do {
            _ = try await queue.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            return
        }
    }

    private static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    /// Stops the loop and closes its connection.
    func stop() async {
        task.cancel()
        await task.value
    }
}
