import Foundation
import MetadataDocuments
import Synchronization

/// Nova's per-key metadata cache (`metadata-<ip>` / `metadata-<uuid>`), `[api] metadata_cache_expiration`
/// seconds, bounded: when full, expired entries go first, then the ones that expire soonest.
final class MetadataCache: Sendable {
    struct Entry: Sendable {
        var source: MetadataSource
        var expires: ContinuousClock.Instant
    }

    let ttl: Duration
    let capacity: Int
    private let entries = Mutex<[String: Entry]>([:])

    init(seconds: Int, capacity: Int) {
        ttl = .seconds(seconds)
        self.capacity = max(1, capacity)
    }

    var enabled: Bool { ttl > .zero }

    func get(_ key: String) -> MetadataSource? {
        guard enabled else { return nil }
        let now = ContinuousClock.now
        return entries.withLock { e in
            guard let hit = e[key] else { return nil }
            if hit.expires <= now { e[key] = nil; return nil }
            return hit.source
        }
    }

    func put(_ key: String, _ source: MetadataSource) {
        guard enabled else { return }
        let now = ContinuousClock.now
        entries.withLock { e in
            if e[key] == nil && e.count >= capacity {
                e = e.filter { $0.value.expires > now }
                if e.count >= capacity {
                    // Still full of live entries: drop the half that expires soonest (amortized O(1) per put).
                    let keep = e.sorted { $0.value.expires > $1.value.expires }.prefix(capacity / 2)
                    e = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
                }
            }
            e[key] = Entry(source: source, expires: now + ttl)
        }
    }

    var count: Int { entries.withLock { $0.count } }
}
