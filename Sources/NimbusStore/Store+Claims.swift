import Foundation
import GRDB
import NimbusKernel

/// Placement-style capacity and claims: capacity = (total − reserved) × allocation ratio, and a claim
/// checks and writes usage in one write transaction, guarded by the provider generation.
extension NimbusStore {
    /// `FreeCapacity.free` per class over the compute_nodes columns (the kernel's formula, rendered as SQL).
    static let freeVCPUSQL = FreeCapacity.sql(total: "vcpus", reserved: "reserved_vcpus",
                                              ratio: "cpu_allocation_ratio", used: "vcpus_used")
    static let freeMemorySQL = FreeCapacity.sql(total: "memory_mb", reserved: "reserved_memory_mb",
                                                ratio: "ram_allocation_ratio", used: "memory_mb_used")
    static let freeDiskSQL = FreeCapacity.sql(total: "local_gb", reserved: "reserved_disk_gb",
                                              ratio: "disk_allocation_ratio", used: "local_gb_used")
    /// `FreeCapacity.fits` in SQL: free ≥ requested in every class.
    static let capacitySQL = "\(freeVCPUSQL) >= ? AND \(freeMemorySQL) >= ? AND \(freeDiskSQL) >= ?"

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

    /// One claim inside the caller's write transaction. Reads only the columns it needs, by position (decoding
    /// the whole row by name, JSON columns included, dominated the claim's cost).
    static func claim(_ db: Database, consumer: UUID, node: UUID, resources r: Resources, expectedGeneration: Int?,
                      projectID: String?, userID: String?) throws -> Bool {
        let nodeID = node.db
        guard let row = try Row.fetchOne(try db.cachedStatement(sql: """
            SELECT generation, vcpus, memory_mb, local_gb, reserved_vcpus, reserved_memory_mb, reserved_disk_gb,
              cpu_allocation_ratio, ram_allocation_ratio, disk_allocation_ratio, vcpus_used, memory_mb_used,
              local_gb_used
            FROM compute_nodes WHERE uuid = ?
            """), arguments: [nodeID])
        else { throw StoreError.notFound(kind: "Resource provider", id: nodeID) }
        let generation: Int = row[0]
        if let expectedGeneration, expectedGeneration != generation {
            throw StoreError.generationConflict(node: node, expected: expectedGeneration, actual: generation)
        }
        // The kernel's formula, as ComputeNodeRecord.fits and the pre-filter's SQL use it.
        let free = FreeCapacity(total: Resources(vcpus: row[1], memoryMB: row[2], diskGB: row[3]),
                                reserved: Resources(vcpus: row[4], memoryMB: row[5], diskGB: row[6]),
                                ratios: AllocationRatios(cpu: row[7], ram: row[8], disk: row[9]),
                                used: Resources(vcpus: row[10], memoryMB: row[11], diskGB: row[12]))
        guard free.fits(r) else { return false }
        try db.cachedStatement(sql: """
            INSERT INTO allocations (consumer_uuid, node_uuid, vcpus, memory_mb, disk_gb, project_id, user_id, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [consumer.db, nodeID, r.vcpus, r.memoryMB, r.diskGB, projectID, userID, Date().dbValue])
        // The change stamp is set here rather than by the update trigger (which would write the row twice).
        try db.cachedStatement(sql: "UPDATE scheduler_changes SET seq = seq + 1 WHERE id = 1").execute()
        // The generation guard in WHERE makes the write itself conditional, not just the read above.
        try db.cachedStatement(sql: """
            UPDATE compute_nodes SET vcpus_used = vcpus_used + ?, memory_mb_used = memory_mb_used + ?,
              local_gb_used = local_gb_used + ?, generation = generation + 1,
              change_seq = (SELECT seq FROM scheduler_changes WHERE id = 1)
            WHERE uuid = ? AND generation = ?
            """).execute(arguments: [r.vcpus, r.memoryMB, r.diskGB, nodeID, generation])
        guard db.changesCount == 1 else {
            throw StoreError.generationConflict(node: node, expected: generation, actual: -1)
        }
        return true
    }

    /// How `claimBatch` ended. Nothing is written unless `.claimed`.
    public enum ClaimBatchOutcome: Sendable, Hashable {
        case claimed
        /// Claim `index` found its node without room.
        case noRoom(index: Int)
        /// Claim `index` found its node at another generation than expected, or gone.
        case conflict(index: Int)
    }

    private enum BatchAbort: Error { case noRoom(Int), conflict(Int) }

    /// A scheduler request's claims in one write transaction: every claim checks capacity and, when given, the
    /// node generation (claims on one node expect consecutive generations). All are written or none.
    public func claimBatch(_ claims: [(consumer: UUID, node: UUID, expectedGeneration: Int?)], resources: Resources,
                           projectID: String?, userID: String?) async throws -> ClaimBatchOutcome {
        do {
            try await db.write { db in
                for (i, c) in claims.enumerated() {
                    do {
                        guard try Self.claim(db, consumer: c.consumer, node: c.node, resources: resources,
                                             expectedGeneration: c.expectedGeneration, projectID: projectID,
                                             userID: userID)
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
        try await db.write { db in try Self.releaseAllocations(db, consumer: consumer) }
    }

    /// The release inside the caller's write transaction (instance delete and failure use it with their own write).
    @discardableResult
    static func releaseAllocations(_ db: Database, consumer: UUID) throws -> Int {
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
                  SUM(\(Self.freeVCPUSQL) < ?) AS v, SUM(\(Self.freeMemorySQL) < ?) AS m,
                  SUM(\(Self.freeDiskSQL) < ?) AS d
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
