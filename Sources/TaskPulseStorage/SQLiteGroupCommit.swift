import Foundation
import GRDB
import Logging
import Synchronization

/// Runs SQLite write transactions in groups: the ones that arrive while a group is being written
/// wait and go into the next transaction together, each inside a savepoint of its own, so a burst of
/// texts shares one commit and one flush to disk instead of paying one each.
///
/// Each body still behaves as its own transaction: it sees the writes before it, its own writes are
/// undone when it throws (the others' are kept), and its caller hears back only after the group's
/// COMMIT has reached the disk (a 200 to Twilio is never sent for a text a disk failure then loses).
/// When SQLite gives up the whole transaction (a full disk, an I/O error) or the COMMIT fails, every
/// body of the group gets that error. A body that arrives alone is written at once, without waiting.
///
/// A group whose bodies all asked for ``CommitDurability/deferredFlush`` is committed with
/// `synchronous = NORMAL`: its callers hear back before the flush, which the next flushed group (or
/// the checkpoint) does for it. One flushed body makes the whole group flushed.
final class SQLiteGroupCommit: Sendable {
    /// How to answer a body's caller once its group is committed (`nil`) or has failed (the error).
    private typealias Answer = @Sendable (_ groupError: (any Error)?) -> Void

    /// One body waiting for a group.
    private struct Job: Sendable {
        /// Runs the body in its savepoint; returns how to answer its caller and the body's own error.
        var run: @Sendable (Database) -> (answer: Answer, failure: (any Error)?)
        /// Answers the caller with `error` without running the body.
        var fail: @Sendable (any Error) -> Void
        var durability: CommitDurability
    }

    /// SQLite's `synchronous` levels a group commits with (WAL mode).
    enum Synchronous: String, Sendable {
        /// The COMMIT flushes the log before it returns.
        case full = "FULL"
        /// The COMMIT returns once the log is written; the flush comes with a later commit or checkpoint.
        case normal = "NORMAL"
    }

    private struct Queue {
        var pending: [Job] = []
        var writing = false
        /// The writer connection's level, `nil` when unknown (setting it failed). The engine opens it FULL.
        var synchronous: Synchronous? = .full
    }

    private let pool: DatabasePool
    private let queue = Mutex(Queue())
    /// Where groups are written: a serial queue of its own (a libdispatch thread, never one of the
    /// cooperative pool's), since each COMMIT waits for the disk. GRDB runs a synchronous write from
    /// here inline, so a group costs one hand-off there and one back to each caller (a task that
    /// awaited GRDB's async write cost two more: onto the pool, off it again).
    private let writerQueue = DispatchQueue(label: "taskpulse.sqlite.group-commit")
    /// The most bodies in one transaction: bounds how long the first of them waits for its COMMIT.
    let maximumGroupSize: Int
    /// Set when the write-ahead log has grown too long (``WALLimits``); the writer restarts it before its next group.
    private let logRestartRequested = Atomic<Bool>(false)
    private let logger: Logger

    init(pool: DatabasePool, maximumGroupSize: Int = 64, logger: Logger = Logger(label: "taskpulse.sqlite")) {
        self.pool = pool
        self.maximumGroupSize = maximumGroupSize
        self.logger = logger
    }

    /// Asks the writer to restart the write-ahead log between two groups: under a steady stream of
    /// writes it never restarts by itself (``WALLimits``). Without writes waiting nothing happens: the
    /// checkpointer then copies the whole log and the next write restarts it.
    func requestLogRestart() {
        logRestartRequested.store(true, ordering: .relaxed)
    }

    /// Bodies waiting for a group (for tests).
    var waitingCount: Int { queue.withLock { $0.pending.count } }

    /// Runs `body` in the next group and returns its result once that group is committed (and, unless
    /// `durability` defers it, flushed).
    func write<T: Sendable>(
        durability: CommitDurability = .flushed, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                run: { db in
                    let result = Self.runInSavepoint(db, body)
                    let answer: Answer = { groupError in
                        if let groupError, case .success = result {
                            continuation.resume(throwing: groupError)
                        } else {
                            continuation.resume(with: result)
                        }
                    }
                    if case .failure(let error) = result { return (answer, error) }
                    return (answer, nil)
                },
                fail: { error in continuation.resume(throwing: error) }, durability: durability)
            let startWriting = queue.withLock { queue in
                queue.pending.append(job)
                guard !queue.writing else { return false }
                queue.writing = true
                return true
            }
            if startWriting {
                writerQueue.async { self.writeUntilEmpty() }
            }
        }
    }

    /// Writes groups while bodies are waiting, then lets the next `write` start again. Runs on
    /// `writerQueue`, never on the cooperative pool: it waits for the disk.
    private func writeUntilEmpty() {
        while true {
            if logRestartRequested.exchange(false, ordering: .relaxed) { restartLog() }
            let group: [Job] = queue.withLock { queue in
                let group = Array(queue.pending.prefix(maximumGroupSize))
                queue.pending.removeFirst(group.count)
                if group.isEmpty { queue.writing = false }
                return group
            }
            guard !group.isEmpty else { return }
            write(group: group)
        }
    }

    /// Copies what the checkpointer has not yet copied of the log into the database file, from the writer
    /// itself (no group can commit meanwhile), so the next group starts the log again from its beginning
    /// and its file is cut back to `journal_size_limit`. It waits for nobody: the copy and its flushes
    /// hold the writer for a few milliseconds, and a reader still on the log makes the next group append
    /// instead (the checkpointer asks again later).
    private func restartLog() {
        do {
            let (frames, copied) = try pool.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            logger.debug("SQLite log copied for a restart", metadata: ["tp.frames": "\(frames)", "tp.copied": "\(copied)"])
        } catch {
            logger.notice("SQLite log not copied for a restart", metadata: ["error": "\(error)"])
        }
    }

    /// One transaction for `group`; every caller is answered after it ends.
    private func write(group: [Job]) {
        let level: Synchronous = group.contains { $0.durability == .flushed } ? .full : .normal
        let current = queue.withLock { $0.synchronous }
        let outcome: (answers: [Answer], groupError: (any Error)?)
        do {
            outcome = try pool.writeWithoutTransaction { db in
                // The level cannot change inside a transaction; it stays set until a group needs the other.
                if current != level { try db.execute(sql: "PRAGMA synchronous = \(level.rawValue)") }
                try db.cachedStatement(sql: "BEGIN IMMEDIATE").execute()
                var answers: [Answer] = []
                answers.reserveCapacity(group.count)
                for job in group {
                    let (answer, failure) = job.run(db)
                    answers.append(answer)
                    if !db.isInsideTransaction {
                        // SQLite rolled the whole transaction back (SQLITE_FULL, SQLITE_IOERR...): what the
                        // bodies before this one wrote is gone too, and the rest must not run in autocommit.
                        return (answers, failure ?? DatabaseError(resultCode: .SQLITE_ABORT, message: "transaction rolled back"))
                    }
                }
                do {
                    try db.cachedStatement(sql: "COMMIT").execute()
                    return (answers, nil)
                } catch {
                    Self.rollBack(db)
                    return (answers, error)
                }
            }
        } catch {
            // BEGIN failed (another process holds the lock past the busy timeout), or setting the level
            // did: nothing ran.
            queue.withLock { $0.synchronous = nil }
            for job in group { job.fail(error) }
            return
        }
        queue.withLock { $0.synchronous = level }
        for answer in outcome.answers { answer(outcome.groupError) }
        if let groupError = outcome.groupError {
            for job in group[outcome.answers.count...] { job.fail(groupError) }
        }
    }

    /// The savepoint around each body; a name no body uses, so its own savepoints nest inside.
    static let savepoint = "taskpulse_group_member"
    // The statements every group runs, compiled once per connection (GRDB applies their transaction
    // effect at each run).
    private static let savepointSQL = "SAVEPOINT \(savepoint)"
    private static let releaseSQL = "RELEASE \(savepoint)"

    /// Runs `body` in a savepoint of its own: its rows are undone when it throws. If they cannot be
    /// undone, the whole group is rolled back, so a caller told "error" never has rows committed with
    /// the others. Bodies must not swallow SQLite errors: after SQLite has rolled the transaction
    /// back, their further statements would run in autocommit (none in this module do).
    private static func runInSavepoint<T>(_ db: Database, _ body: (Database) throws -> T) -> Result<T, any Error> {
        do {
            try db.cachedStatement(sql: savepointSQL).execute()
        } catch {
            return .failure(error)
        }
        do {
            let value = try body(db)
            try db.cachedStatement(sql: releaseSQL).execute()
            return .success(value)
        } catch {
            if db.isInsideTransaction {
                do {
                    try db.execute(sql: "ROLLBACK TO \(savepoint)")
                    try db.execute(sql: "RELEASE \(savepoint)")
                } catch {
                    rollBack(db)
                }
            }
            return .failure(error)
        }
    }

    /// Ends the group's transaction, trying twice: a transaction left open would stop GRDB for good.
    static func rollBack(_ db: Database) {
        for _ in 0..<2 where db.isInsideTransaction {
            try? db.execute(sql: "ROLLBACK")
        }
    }
}
