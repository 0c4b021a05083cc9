import Foundation
import NimbusKernel
import Synchronization

/// Calls awaiting a reply, by request id: a reply finds its caller whichever DEALER it arrives on and
/// however many calls run at once. Deadlines sit in a min-heap the poller thread checks, so a timeout
/// costs no Task or timer per call.
final class PendingCalls: Sendable {
    struct Entry {
        let continuation: CheckedContinuation<Data, any Error>
        let target: TransportTarget
        let endpoint: String
        let timeout: Duration
        let deadline: ContinuousClock.Instant
    }

    private struct State {
        var entries: [UInt64: Entry] = [:]
        var deadlines = DeadlineHeap()
        var closed = false
    }

    private let state = Mutex(State())
    private let nextID = Atomic<UInt64>(1)

    func makeID() -> UInt64 { nextID.wrappingAdd(1, ordering: .relaxed).oldValue }

    /// Registers a caller; fails at once when the transport is shut down.
    func register(_ id: UInt64, _ entry: Entry) {
        let accepted = state.withLock { s in
            guard !s.closed else { return false }
            s.entries[id] = entry
            s.deadlines.push(entry.deadline, id)
            return true
        }
        if !accepted { entry.continuation.resume(throwing: TransportError.closed) }
    }

    /// Resumes a caller once; later completions for the same id (a late reply, a timeout) are ignored.
    @discardableResult
    func complete(_ id: UInt64, _ result: (Entry) -> Result<Data, any Error>) -> Bool {
        let entry: Entry? = state.withLock { s in
            let e = s.entries.removeValue(forKey: id)
            // Answered calls leave their deadline behind (lazy deletion); compact so the heap stays
            // proportional to the calls actually waiting.
            if s.deadlines.count > 4096 && s.deadlines.count > 4 * s.entries.count {
                s.deadlines = DeadlineHeap()
                for (id, e) in s.entries { s.deadlines.push(e.deadline, id) }
            }
            return e
        }
        guard let entry else { return false }
        entry.continuation.resume(with: result(entry))
        return true
    }

    /// Times out every call whose deadline passed; returns the next deadline, if any.
    func expire(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        var expired: [Entry] = []
        let next: ContinuousClock.Instant? = state.withLock { s in
            while let (deadline, id) = s.deadlines.peek() {
                guard s.entries[id] != nil else { s.deadlines.pop(); continue }  // already answered
                guard deadline <= now else { return deadline }
                s.deadlines.pop()
                if let e = s.entries.removeValue(forKey: id) { expired.append(e) }
            }
            return nil
        }
        for e in expired { e.continuation.resume(throwing: TransportError.timeout(e.target, e.timeout)) }
        return next
    }

    func hasCalls(to endpoint: String) -> Bool {
        state.withLock { s in s.entries.values.contains { $0.endpoint == endpoint } }
    }

    /// Fails every call waiting on one endpoint (its handshake failed: no reply will come).
    func failAll(endpoint: String, _ error: TransportError) {
        let failed = state.withLock { s in
            let ids = s.entries.filter { $0.value.endpoint == endpoint }.map(\.key)
            return ids.compactMap { s.entries.removeValue(forKey: $0) }
        }
        for e in failed { e.continuation.resume(throwing: error) }
    }

    func close() {
        let all = state.withLock { s in
            s.closed = true
            defer { s.entries = [:]; s.deadlines = DeadlineHeap() }
            return Array(s.entries.values)
        }
        for e in all { e.continuation.resume(throwing: TransportError.closed) }
    }
}

/// A binary min-heap of (deadline, request id).
struct DeadlineHeap {
    private var items: [(ContinuousClock.Instant, UInt64)] = []

    var count: Int { items.count }

    func peek() -> (ContinuousClock.Instant, UInt64)? { items.first }

    mutating func push(_ deadline: ContinuousClock.Instant, _ id: UInt64) {
        items.append((deadline, id))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i].0 < items[parent].0 else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    @discardableResult
    mutating func pop() -> (ContinuousClock.Instant, UInt64)? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count && items[l].0 < items[m].0 { m = l }
            if r < items.count && items[r].0 < items[m].0 { m = r }
            guard m != i else { break }
            items.swapAt(i, m)
            i = m
        }
        return top
    }
}
