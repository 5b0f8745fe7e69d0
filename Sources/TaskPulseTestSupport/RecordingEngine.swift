import Synchronization
import TaskPulseStorage

/// Forwards to a real engine and notes what the store asks of it: the durability each write asked for
/// and how many reads it ran. It can hold writes back, as a slow disk's flush would.
public final class RecordingEngine: StoreEngine {
    public let base: any StoreEngine
    private let durabilities = Mutex<[CommitDurability]>([])
    private let readCount = Atomic<Int>(0)
    /// While set, writes wait...
    public let holdingWrites = Atomic<Bool>(false)
    /// ...once this many more writes went through (`Int.max`: never).
    public let writesBeforeHolding = Atomic<Int>(Int.max)

    public init(base: any StoreEngine) { self.base = base }

    public var dialect: SQLDialect { base.dialect }
    public var isShared: Bool { base.isShared }
    /// Read transactions run so far.
    public var reads: Int { readCount.load(ordering: .relaxed) }

    public func write<T: Sendable>(
        isolation: TransactionIsolation, durability: CommitDurability,
        _ body: @escaping @Sendable (SQLDatabase) throws -> T
    ) async throws -> T {
        durabilities.withLock { $0.append(durability) }
        if writesBeforeHolding.subtract(1, ordering: .relaxed).newValue < 0 { holdingWrites.store(true, ordering: .relaxed) }
        while holdingWrites.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(5)) }
        return try await base.write(isolation: isolation, durability: durability, body)
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (SQLDatabase) throws -> T) async throws -> T {
        readCount.add(1, ordering: .relaxed)
        return try await base.read(body)
    }

    public func migrate() async throws { try await base.migrate() }
    /// The base engine belongs to whoever opened it.
    public func shutdown() async {}

    /// Lets every write through again.
    public func releaseWrites() {
        writesBeforeHolding.store(Int.max, ordering: .relaxed)
        holdingWrites.store(false, ordering: .relaxed)
    }

    /// The durabilities noted since the last call.
    public func take() -> [CommitDurability] {
        durabilities.withLock { recorded in
            defer { recorded = [] }
            return recorded
        }
    }
}
