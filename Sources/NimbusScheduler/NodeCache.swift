import Foundation
import NimbusKernel
import NimbusStore
import Synchronization

/// Decoded compute node rows keyed by UUID, valid while the row's `updated_at` is unchanged (the resource
/// tracker bumps it on every inventory report; claims change only usage, which is read fresh each time).
final class NodeCache: Sendable {
    private let entries = Mutex<[String: (updatedAt: Double, record: ComputeNodeRecord)]>([:])

    /// Records for `rows`, in order (nil for a node deleted meanwhile), loading only missing or changed ones.
    func records(for rows: [NodeUsageRow], store: NimbusStore) async throws -> [ComputeNodeRecord?] {
        let missing = entries.withLock { e in rows.filter { e[$0.uuid]?.updatedAt != $0.updatedAt }.map(\.uuid) }
        if !missing.isEmpty {
            let loaded = try await store.computeNodes(uuids: missing)
            // Keyed by the snapshot's stamp: a row changed since then is simply reloaded next time.
            let stamps = Dictionary(rows.map { ($0.uuid, $0.updatedAt) }, uniquingKeysWith: { a, _ in a })
            entries.withLock { e in
                for r in loaded {
                    let key = r.uuid.uuidString.lowercased()
                    if let stamp = stamps[key] { e[key] = (stamp, r) }
                }
            }
        }
        return entries.withLock { e in rows.map { e[$0.uuid]?.record } }
    }
}
