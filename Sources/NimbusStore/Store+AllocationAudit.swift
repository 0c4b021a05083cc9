import Foundation
import GRDB
import NimbusKernel

/// Claims against instances, Nova's rule: a settled instance (not `building`) on a node holds exactly one
/// allocation there, a settled instance with no node (failed before reaching a host) and a deleted or unknown
/// consumer hold none, and a node's usage is the sum of its allocations. Builds in flight are left alone (the
/// scheduler claims before the compute records the host).
public struct AllocationAudit: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// The consumer is deleted or no instance at all (a leaked claim).
        case orphaned
        /// The instance never reached a host (ERROR before any compute took it) yet holds a claim.
        case hostless
        /// The instance is on another node than the claim.
        case misplaced
        /// The instance is on a node but holds no claim there (its host counts it; usage did not).
        case missing
    }

    public struct Finding: Sendable, Hashable {
        public var kind: Kind
        public var consumer: UUID
        public var node: String
        public var resources: Resources
    }

    /// A node whose recorded usage differs from the sum of its allocations.
    public struct Drift: Sendable, Hashable {
        public var node: String
        public var recorded: Resources
        public var allocated: Resources
    }

    public var findings: [Finding] = []
    public var drift: [Drift] = []
    public var isClean: Bool { findings.isEmpty && drift.isEmpty }
}

extension NimbusStore {
    /// Reports mismatches without changing anything (`nimbus manage audit`).
    public func auditAllocations() async throws -> AllocationAudit {
        try await db.read { db in
            var audit = try Self.allocationFindings(db)
            audit.drift = try Self.usageDrift(db)
            return audit
        }
    }

    /// Fixes what `auditAllocations` reports, in one write transaction (so it cannot race a claim, a delete or a
    /// build's hand-back), and returns what it fixed. Claims are released or created to match the instances,
    /// then each node's usage is set to the sum of its allocations.
    @discardableResult
    public func reconcileAllocations() async throws -> AllocationAudit {
        // Most passes find nothing: look first without taking the write lock.
        guard try await !auditAllocations().isClean else { return AllocationAudit() }
        return try await db.write { db in
            var audit = try Self.allocationFindings(db)
            let now = Date().dbValue
            for f in audit.findings {
                let r = f.resources
                let sign = f.kind == .missing ? 1 : -1
                if f.kind == .missing {
                    let owner = try Row.fetchOne(db, sql: "SELECT project_id, user_id FROM instances WHERE uuid = ?",
                                                 arguments: [f.consumer.db])
                    try db.execute(sql: """
                        INSERT INTO allocations (consumer_uuid, node_uuid, vcpus, memory_mb, disk_gb, project_id, user_id, created_at)
                        SELECT ?, uuid, ?, ?, ?, ?, ?, ? FROM compute_nodes WHERE hypervisor_hostname = ?
                        """, arguments: [f.consumer.db, r.vcpus, r.memoryMB, r.diskGB, owner?[0] as String?,
                                         owner?[1] as String?, now, f.node])
                } else {
                    try db.execute(sql: """
                        DELETE FROM allocations WHERE consumer_uuid = ?
                          AND node_uuid = (SELECT uuid FROM compute_nodes WHERE hypervisor_hostname = ?)
                        """, arguments: [f.consumer.db, f.node])
                }
                try db.execute(sql: """
                    UPDATE compute_nodes SET vcpus_used = vcpus_used + ?, memory_mb_used = memory_mb_used + ?,
                      local_gb_used = local_gb_used + ?, generation = generation + 1 WHERE hypervisor_hostname = ?
                    """, arguments: [sign * r.vcpus, sign * r.memoryMB, sign * r.diskGB, f.node])
            }
            audit.drift = try Self.usageDrift(db)
            for d in audit.drift {
                try db.execute(sql: """
                    UPDATE compute_nodes SET vcpus_used = ?, memory_mb_used = ?, local_gb_used = ?,
                      generation = generation + 1 WHERE hypervisor_hostname = ?
                    """, arguments: [d.allocated.vcpus, d.allocated.memoryMB, d.allocated.diskGB, d.node])
            }
            return audit
        }
    }

    static func allocationFindings(_ db: Database) throws -> AllocationAudit {
        var audit = AllocationAudit()
        for r in try Row.fetchAll(db, sql: """
            SELECT a.consumer_uuid, cn.hypervisor_hostname, a.vcpus, a.memory_mb, a.disk_gb,
              i.uuid IS NULL OR i.deleted = 1, i.node IS NULL
            FROM allocations a JOIN compute_nodes cn ON cn.uuid = a.node_uuid
            LEFT JOIN instances i ON i.uuid = a.consumer_uuid
            WHERE (i.uuid IS NULL OR i.deleted = 1
              OR (i.vm_state != 'building' AND (i.node IS NULL OR i.node != cn.hypervisor_hostname)))
              AND NOT EXISTS (SELECT 1 FROM migrations mg
                              WHERE (\(Self.openMigrationSQL) OR (mg.migration_type = 'evacuation' AND mg.status = 'done'))
                              AND (mg.uuid = a.consumer_uuid OR mg.instance_uuid = a.consumer_uuid))
            """) {
            let kind: AllocationAudit.Kind = r[5] ? .orphaned : r[6] ? .hostless : .misplaced
            guard let consumer = UUID(uuidString: r[0]) else { continue }
            audit.findings.append(.init(kind: kind, consumer: consumer, node: r[1],
                                        resources: Resources(vcpus: r[2], memoryMB: r[3], diskGB: r[4])))
        }
        for r in try Row.fetchAll(db, sql: """
            SELECT i.uuid, i.node, i.flavor FROM instances i
            JOIN compute_nodes cn ON cn.hypervisor_hostname = i.node
            WHERE i.deleted = 0 AND i.vm_state != 'building' AND i.node IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM allocations a WHERE a.consumer_uuid = i.uuid AND a.node_uuid = cn.uuid)
              AND NOT EXISTS (SELECT 1 FROM migrations mg WHERE mg.instance_uuid = i.uuid AND \(Self.openMigrationSQL))
            """) {
            // What the scheduler claims for it: its flavor's resources.
            guard let consumer = UUID(uuidString: r[0]),
                  let resources = (try? JSONColumn.decode(Flavor.self, r[2]))?.resources else { continue }
            audit.findings.append(.init(kind: .missing, consumer: consumer, node: r[1], resources: resources))
        }
        return audit
    }

    static func usageDrift(_ db: Database) throws -> [AllocationAudit.Drift] {
        try Row.fetchAll(db, sql: """
            SELECT cn.hypervisor_hostname, cn.vcpus_used, cn.memory_mb_used, cn.local_gb_used,
              COALESCE(SUM(a.vcpus), 0) AS v, COALESCE(SUM(a.memory_mb), 0) AS m, COALESCE(SUM(a.disk_gb), 0) AS d
            FROM compute_nodes cn LEFT JOIN allocations a ON a.node_uuid = cn.uuid
            GROUP BY cn.uuid
            HAVING cn.vcpus_used != v OR cn.memory_mb_used != m OR cn.local_gb_used != d
            """).map {
            AllocationAudit.Drift(node: $0[0], recorded: Resources(vcpus: $0[1], memoryMB: $0[2], diskGB: $0[3]),
                                  allocated: Resources(vcpus: $0[4], memoryMB: $0[5], diskGB: $0[6]))
        }
    }
}
