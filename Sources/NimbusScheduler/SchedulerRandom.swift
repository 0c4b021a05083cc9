import Synchronization

/// The source of the scheduler's random choices (`host_subset_size`, `shuffle_best_same_weighed_hosts`).
/// Daemons use the system generator; tests pass a seeded one so that a choice is reproducible.
public final class SchedulerRandom: Sendable {
    // One generator shared by concurrent requests: the lock keeps its state consistent.
    private let generator: Mutex<any RandomNumberGenerator & Sendable>

    public init(_ generator: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()) {
        self.generator = Mutex(generator)
    }

    func shuffle(_ slice: inout ArraySlice<Int>) {
        generator.withLock { g in slice.shuffle(using: &g) }
    }

    /// A value in `0..<bound` (`bound` > 0).
    func index(below bound: Int) -> Int {
        generator.withLock { g in Int.random(in: 0..<bound, using: &g) }
    }
}
