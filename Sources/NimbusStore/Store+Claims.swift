import Foundation
import GRDB
import NimbusKernel

/// Placement-style capacity and claims: capacity = (total − reserved) × allocation ratio, and a claim
/// checks and writes usage in one write transaction, guarded by the provider generation.
extension NimbusStore {
    static let capacitySQL = """
        (vcpus - reserved_vcpus) * cpu_allocation_ratio - vcpus_used >= ?
        AND (memory_mb - reserved_memory_mb) * ram_allocation_ratio - memory_mb_used >= ?
        AND (local_gb - reserved_disk_gb) * disk_allocation_ratio - local_gb_used >= ?
        """

    /// The capacity pre-filter: nodes with room for `resources` (Placement's allocation candidates).
    public func candidates(for resources: Resources) async throws -> [ComputeNodeRecord] {
        try await db.read { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT rowid, * FROM compute_nodes WHERE \(Self.capacitySQL) ORDER BY hypervisor_hostname"), arguments: [resources.vcpus, resources.memoryMB, resources.diskGB])
                .map(ComputeNodeRecord.init(row:))
        }
    }

    /// Claims `resources` on `node` for `consumer`. Returns false when the node no longer has room.
    /// With `expectedGeneration`, a changed provider generation raises `generationConflict` (the caller's
    /// view is stale) — `claimWithRetry` re-checks and retries as the scheduler's placement client does.
    public func claim(consumer: UUID, node: UUID, resources: Resources, expectedGeneration: Int? = nil,
                      projectID: String? = nil, userID: String? = nil) async throws -> Bool {
        try await db.write { db in
            try Self.claim(db, consumer: consumer, node: node, resources: resources,
                           expectedGeneration: expectedGeneration, projectID: projectID, userID: userID)
        }
    }

    static func claim(_ db: Database, consumer: UUID, node: UUID, resources r: Resources, expectedGeneration: Int?,
                      projectID: String?, userID: String?) throws -> Bool {
        guard let row = try Row.fetchOne(try db.cachedStatement(sql: "SELECT rowid, * FROM compute_nodes WHERE uuid = ?"), arguments: [node.db])
        else { throw StoreError.notFound(kind: "Resource provider", id: node.db) }
        let record = try ComputeNodeRecord(row: row)
        if let expectedGeneration, expectedGeneration != record.generation {
            throw StoreError.generationConflict(node: node, expected: expectedGeneration, actual: record.generation)
        }
        guard record.fits(r) else { return false }
        try db.cachedStatement(sql: """
            INSERT INTO allocations (consumer_uuid, node_uuid, vcpus, memory_mb, disk_gb, project_id, user_id, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [consumer.db, node.db, r.vcpus, r.memoryMB, r.diskGB, projectID, userID, Date().dbValue])
        // The generation guard in WHERE makes the write itself conditional, not just the read above.
        try db.cachedStatement(sql: """
            UPDATE compute_nodes SET vcpus_used = vcpus_used + ?, memory_mb_used = memory_mb_used + ?,
              local_gb_used = local_gb_used + ?, generation = generation + 1
            WHERE uuid = ? AND generation = ?
            """).execute(arguments: [r.vcpus, r.memoryMB, r.diskGB, node.db, record.generation])
        guard db.changesCount == 1 else {
            throw StoreError.generationConflict(node: node, expected: record.generation, actual: -1)
        }
        return true
    }

    /// Claims several (consumer, node) pairs atomically: all succeed or none is written (multi-create).
    public func claimAll(_ claims: [(consumer: UUID, node: UUID, resources: Resources)], projectID: String?,
                         userID: String?) async throws -> Bool {
        try await db.write { db in
            try db.inSavepoint {
                for c in claims {
                    guard try Self.claim(db, consumer: c.consumer, node: c.node, resources: c.resources,
                                         expectedGeneration: nil, projectID: projectID, userID: userID)
                    else { return .rollback }
                }
                return .commit
            }
            // inSavepoint rolled back: nothing of this request was claimed.
            return try claims.allSatisfy { c in
                try Bool.fetchOne(try db.cachedStatement(sql: "SELECT 1 FROM allocations WHERE consumer_uuid = ? AND node_uuid = ?"), arguments: [c.consumer.db, c.node.db]) ?? false
            }
        }
    }

    /// Removes every allocation of `consumer` and gives the capacity back. Returns how many were removed.
    @discardableResult
    public func releaseAllocations(consumer: UUID) async throws -> Int {
        try await db.write { db in
            let rows = try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM allocations WHERE consumer_uuid = ?"), arguments: [consumer.db])
            for a in rows {
                try db.cachedStatement(sql: """
                    UPDATE compute_nodes SET vcpus_used = vcpus_used - ?, memory_mb_used = memory_mb_used - ?,
                      local_gb_used = local_gb_used - ?, generation = generation + 1 WHERE uuid = ?
                    """).execute(arguments: [a["vcpus"] as Int, a["memory_mb"] as Int, a["disk_gb"] as Int,
                                     a["node_uuid"] as String])
            }
            try db.cachedStatement(sql: "DELETE FROM allocations WHERE consumer_uuid = ?").execute(arguments: [consumer.db])
            return rows.count
        }
    }

    public func allocations(consumer: UUID) async throws -> [(node: UUID, resources: Resources)] {
        try await db.read { db in
            try Row.fetchAll(try db.cachedStatement(sql: "SELECT * FROM allocations WHERE consumer_uuid = ?"), arguments: [consumer.db])
                .map { (UUID(uuidString: $0["node_uuid"])!,
                        Resources(vcpus: $0["vcpus"], memoryMB: $0["memory_mb"], diskGB: $0["disk_gb"])) }
        }
    }
}

/// How many nodes lack each resource class for a request: the pre-filter's part of the explain report.
public struct CapacitySummary: Sendable, Hashable {
    public var total: Int
    public var shortVCPU: Int
    public var shortMemory: Int
    public var shortDisk: Int
}

extension NimbusStore {
    public func capacitySummary(for r: Resources) async throws -> CapacitySummary {
        try await db.read { db in
            let row = try Row.fetchOne(try db.cachedStatement(sql: """
                SELECT COUNT(*) AS total,
                  SUM((vcpus - reserved_vcpus) * cpu_allocation_ratio - vcpus_used < ?) AS v,
                  SUM((memory_mb - reserved_memory_mb) * ram_allocation_ratio - memory_mb_used < ?) AS m,
                  SUM((local_gb - reserved_disk_gb) * disk_allocation_ratio - local_gb_used < ?) AS d
                FROM compute_nodes
                """), arguments: [r.vcpus, r.memoryMB, r.diskGB])!
            return CapacitySummary(total: row["total"], shortVCPU: row["v"] ?? 0, shortMemory: row["m"] ?? 0,
                                   shortDisk: row["d"] ?? 0)
        }
    }
}

extension NimbusStore {
    /// Consumers holding allocations on a node (audits and tests).
    public func consumers(onNode node: UUID) async throws -> [UUID] {
        try await db.read { db in
            try String.fetchAll(try db.cachedStatement(sql: "SELECT consumer_uuid FROM allocations WHERE node_uuid = ?"), arguments: [node.db])
                .compactMap(UUID.init(uuidString:))
        }
    }
}
