import Foundation
import Logging
import NimbusKernel
import NimbusStore
import PostgresNIO

/// Claims on PostgreSQL: the node row is locked (`SELECT … FOR UPDATE`) for the claim's transaction, so
/// claims from any number of processes on one node take turns and each sees the usage the previous one
/// wrote; claims on different nodes do not wait for each other.
extension PostgresStore: ClaimStore {
    public func claim(consumer: UUID, node: UUID, resources: Resources, expectedGeneration: Int? = nil,
                      projectID: String? = nil, userID: String? = nil) async throws -> Bool {
        let logger = logger
        return try await transaction { conn in
            try await Self.claim(conn, logger, consumer: consumer, node: node, resources: resources,
                                 expectedGeneration: expectedGeneration, projectID: projectID, userID: userID)
        }
    }

    static func claim(_ conn: PostgresConnection, _ logger: Logger, consumer: UUID, node: UUID, resources r: Resources,
                      expectedGeneration: Int?, projectID: String?, userID: String?) async throws -> Bool {
        let nodeID = node.uuidString.lowercased()
        let rows = try await conn.query("""
            SELECT generation, vcpus, memory_mb, local_gb, reserved_vcpus, reserved_memory_mb, reserved_disk_gb,
              cpu_allocation_ratio, ram_allocation_ratio, disk_allocation_ratio, vcpus_used, memory_mb_used,
              local_gb_used
            FROM compute_nodes WHERE uuid = \(nodeID) FOR UPDATE
            """, logger: logger)
        var found: (Int, Int, Int, Int, Int, Int, Int, Double, Double, Double, Int, Int, Int)?
        for try await row in rows.decode((Int, Int, Int, Int, Int, Int, Int, Double, Double, Double, Int, Int, Int).self) {
            found = row
        }
        guard let n = found else { throw StoreError.notFound(kind: "Resource provider", id: nodeID) }
        if let expectedGeneration, expectedGeneration != n.0 {
            throw StoreError.generationConflict(node: node, expected: expectedGeneration, actual: n.0)
        }
        let free = FreeCapacity(total: Resources(vcpus: n.1, memoryMB: n.2, diskGB: n.3),
                                reserved: Resources(vcpus: n.4, memoryMB: n.5, diskGB: n.6),
                                ratios: AllocationRatios(cpu: n.7, ram: n.8, disk: n.9),
                                used: Resources(vcpus: n.10, memoryMB: n.11, diskGB: n.12))
        guard free.fits(r) else { return false }
        let now = Date().timeIntervalSince1970
        try await conn.query("""
            INSERT INTO allocations (consumer_uuid, node_uuid, vcpus, memory_mb, disk_gb, project_id, user_id, created_at)
            VALUES (\(consumer.uuidString.lowercased()), \(nodeID), \(r.vcpus), \(r.memoryMB), \(r.diskGB), \(projectID),
                    \(userID), \(now))
            """, logger: logger)
        try await conn.query("""
            UPDATE compute_nodes SET vcpus_used = vcpus_used + \(r.vcpus), memory_mb_used = memory_mb_used + \(r.memoryMB),
              local_gb_used = local_gb_used + \(r.diskGB), generation = generation + 1,
              change_seq = nextval('scheduler_change_seq')
            WHERE uuid = \(nodeID)
            """, logger: logger)
        return true
    }

    private enum BatchAbort: Error { case noRoom(Int), conflict(Int) }

    public func claimBatch(_ claims: [(consumer: UUID, node: UUID, expectedGeneration: Int?)], resources: Resources,
                           projectID: String?, userID: String?) async throws -> NimbusStore.ClaimBatchOutcome {
        let logger = logger
        let list = claims.map { ($0.consumer, $0.node, $0.expectedGeneration) }
        do {
            try await transaction { conn in
                for (i, c) in list.enumerated() {
                    do {
                        guard try await Self.claim(conn, logger, consumer: c.0, node: c.1, resources: resources,
                                                   expectedGeneration: c.2, projectID: projectID, userID: userID)
                        else { throw BatchAbort.noRoom(i) }
                    } catch StoreError.generationConflict, StoreError.notFound {
                        throw BatchAbort.conflict(i)
                    }
                }
            }
            return .claimed
        } catch BatchAbort.noRoom(let i) {
            return .noRoom(index: i)
        } catch BatchAbort.conflict(let i) {
            return .conflict(index: i)
        }
    }

    @discardableResult
    public func releaseAllocations(consumer: UUID) async throws -> Int {
        let logger = logger
        return try await transaction { conn in
            let rows = try await conn.query("""
                DELETE FROM allocations WHERE consumer_uuid = \(consumer.uuidString.lowercased())
                RETURNING node_uuid, vcpus, memory_mb, disk_gb
                """, logger: logger)
            var freed: [(String, Int, Int, Int)] = []
            for try await row in rows.decode((String, Int, Int, Int).self) { freed.append(row) }
            // Nodes in a fixed order, so two releases touching the same nodes cannot deadlock.
            for (node, v, m, d) in freed.sorted(by: { $0.0 < $1.0 }) {
                try await conn.query("""
                    UPDATE compute_nodes SET vcpus_used = vcpus_used - \(v), memory_mb_used = memory_mb_used - \(m),
                      local_gb_used = local_gb_used - \(d), generation = generation + 1,
                      change_seq = nextval('scheduler_change_seq')
                    WHERE uuid = \(node)
                    """, logger: logger)
            }
            return freed.count
        }
    }

    public func allocations(consumer: UUID) async throws -> [(node: UUID, resources: Resources)] {
        let rows = try await client.query("""
            SELECT node_uuid, vcpus, memory_mb, disk_gb FROM allocations
            WHERE consumer_uuid = \(consumer.uuidString.lowercased()) ORDER BY node_uuid
            """, logger: logger)
        var out: [(node: UUID, resources: Resources)] = []
        for try await (node, v, m, d) in rows.decode((String, Int, Int, Int).self) {
            guard let id = UUID(uuidString: node) else { continue }
            out.append((id, Resources(vcpus: v, memoryMB: m, diskGB: d)))
        }
        return out
    }

    public func consumers(onNode node: UUID) async throws -> [UUID] {
        let rows = try await client.query(
            "SELECT consumer_uuid FROM allocations WHERE node_uuid = \(node.uuidString.lowercased())", logger: logger)
        var out: [UUID] = []
        for try await id in rows.decode(String.self) { if let u = UUID(uuidString: id) { out.append(u) } }
        return out
    }
}
