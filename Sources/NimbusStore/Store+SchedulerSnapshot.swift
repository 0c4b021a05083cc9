import Foundation
import GRDB
import NimbusKernel

/// The per-request part of a compute node the scheduler needs: usage, free capacity per class
/// (`FreeCapacity`'s formula rendered as SQL, the same the claim checks) and the change stamp
/// that tells the host manager whether its cached static part (inventory, JSON columns) is still current.
public struct NodeUsageRow: Sendable {
    public var uuid: String
    public var host: String
    public var hypervisorHostname: String
    public var updatedAt: Double
    public var used: Resources
    public var generation: Int
    public var failedBuilds: Int
    public var freeVCPU: Double
    public var freeMemoryMB: Double
    public var freeDiskGB: Double

    public var free: FreeCapacity { FreeCapacity(vcpus: freeVCPU, memoryMB: freeMemoryMB, diskGB: freeDiskGB) }

    public func fits(_ r: Resources) -> Bool { free.fits(r) }
}

/// Everything one scheduling pass reads, from one read transaction (a consistent snapshot).
public struct SchedulerSnapshot: Sendable {
    public var nodes: [NodeUsageRow]
    public var services: [ServiceRecord]
    public var instanceCounts: [String: (instances: Int, ioOps: Int)]
    public var aggregatesByHost: [String: [AggregateInfo]]
    /// Only when asked for (same_host / different_host need it).
    public var instanceUUIDsByNode: [String: Set<UUID>]
}

extension NimbusStore {
    /// Columns are read by position: by-name lookups dominated the profile at 1,000+ nodes.
    public func schedulerSnapshot(includeInstanceUUIDs: Bool) async throws -> SchedulerSnapshot {
        try await db.read { db in
            var nodes: [NodeUsageRow] = []
            let rows = try Row.fetchCursor(db, sql: """
                SELECT \(Self.usageColumns) FROM compute_nodes ORDER BY hypervisor_hostname
                """)
            while let r = try rows.next() {
                nodes.append(NodeUsageRow(
                    uuid: r[0], host: r[1], hypervisorHostname: r[2], updatedAt: r[3],
                    used: Resources(vcpus: r[4], memoryMB: r[5], diskGB: r[6]), generation: r[7], failedBuilds: r[8],
                    freeVCPU: r[9], freeMemoryMB: r[10], freeDiskGB: r[11]))
            }
            var services: [ServiceRecord] = []
            let srows = try Row.fetchCursor(
                db, sql: "SELECT \(Self.serviceColumns) FROM services WHERE binary = 'nova-compute'")
            while let r = try srows.next() { services.append(Self.schedulerService(r)) }
            var counts: [String: (Int, Int)] = [:]
            for r in try Row.fetchAll(db, sql: """
                SELECT node, COUNT(*),
                  SUM(vm_state = 'building' OR task_state IN ('resize_migrating', 'rebuilding', 'resize_prep',
                      'image_snapshot', 'image_backup', 'rescuing', 'unshelving'))
                FROM instances WHERE deleted = 0 AND node IS NOT NULL GROUP BY node
                """) {
                counts[r[0]] = (r[1], r[2] ?? 0)
            }
            var aggregates: [String: [AggregateInfo]] = [:]
            for a in try Self.loadAggregates(db, sql: "SELECT * FROM aggregates ORDER BY id") {
                for h in a.hosts { aggregates[h, default: []].append(a.info) }
            }
            var uuids: [String: Set<UUID>] = [:]
            if includeInstanceUUIDs {
                let irows = try Row.fetchCursor(db, sql: "SELECT uuid, node FROM instances WHERE deleted = 0 AND node IS NOT NULL")
                while let r = try irows.next() {
                    if let u = UUID(uuidString: r[0]) { uuids[r[1], default: []].insert(u) }
                }
            }
            return SchedulerSnapshot(nodes: nodes, services: services, instanceCounts: counts,
                                     aggregatesByHost: aggregates, instanceUUIDsByNode: uuids)
        }
    }

    /// Full rows of the given nodes (the host manager's cache misses).
    public func computeNodes(uuids: [String]) async throws -> [ComputeNodeRecord] {
        guard !uuids.isEmpty else { return [] }
        return try await db.read { db in
            var out: [ComputeNodeRecord] = []
            // Chunks stay under SQLite's bound-parameter limit.
            for chunk in stride(from: 0, to: uuids.count, by: 500).map({ Array(uuids[$0..<min($0 + 500, uuids.count)]) }) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                out += try Row.fetchAll(db, sql: "SELECT rowid, * FROM compute_nodes WHERE uuid IN (\(marks))",
                                        arguments: StatementArguments(chunk)).map(ComputeNodeRecord.init(row:))
            }
            return out
        }
    }
}

extension NimbusStore {
    /// `UUID(uuidString:)` goes through sscanf on Linux and showed in the profile; this reads the 36 bytes directly.
    static func parseUUID(_ s: String) -> UUID? {
        var bytes = [UInt8](repeating: 0, count: 16)
        var n = 0
        var high: UInt8?
        for c in s.utf8 {
            if c == UInt8(ascii: "-") { continue }
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let h = high {
                guard n < 16 else { return nil }
                bytes[n] = h << 4 | v
                n += 1
                high = nil
            } else {
                high = v
            }
        }
        guard n == 16, high == nil else { return nil }
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
                           bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
