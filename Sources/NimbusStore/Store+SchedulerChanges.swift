import Foundation
import GRDB
import NimbusKernel

/// Where the scheduler's in-memory host states stand in the store's change stream (`scheduler_changes`,
/// kept by the triggers of migration 005).
public struct SchedulerChangeMarker: Sendable, Hashable {
    public var seq: Int64
    public var epoch: Int64
    public var aggregates: Int64
}

/// What changed since a marker, read in one read transaction (a consistent snapshot).
public struct SchedulerChanges: Sendable {
    public var marker: SchedulerChangeMarker
    /// Everything was read (first read, or nodes/services were added or removed): replace, don't merge.
    public var full: Bool
    /// Full: every node, by hypervisor hostname. Otherwise the nodes whose row (or instances) changed.
    public var nodes: [NodeUsageRow]
    /// Full rows of the nodes in `nodes` whose `updated_at` differs from the caller's `known` stamp.
    public var records: [String: ComputeNodeRecord]
    /// Full: every nova-compute service. Otherwise the changed ones.
    public var services: [ServiceRecord]
    /// Live instances per node in `nodes` (a node missing here has none).
    public var instanceCounts: [String: (instances: Int, ioOps: Int)]
    /// When read (full, or any aggregate changed): aggregates by host.
    public var aggregatesByHost: [String: [AggregateInfo]]?
    /// When asked for: instance UUIDs per node in `nodes`.
    public var instanceUUIDsByNode: [String: Set<UUID>]?
}

extension NimbusStore {
    static let usageColumns = """
        uuid, host, hypervisor_hostname, COALESCE(updated_at, created_at), vcpus_used, memory_mb_used, local_gb_used,
          generation, failed_builds, \(freeVCPUSQL), \(freeMemorySQL), \(freeDiskSQL)
        """
    static let serviceColumns = """
        uuid, host, binary, topic, report_count, disabled, disabled_reason, forced_down, last_seen_up,
          created_at, updated_at, rpc_endpoint, rpc_public_key, rowid
        """
    /// A `serviceColumns` row, read by position (the scheduler's hot path: no lookups by column name).
    static func schedulerService(_ r: Row) -> ServiceRecord {
        var s = ServiceRecord(
            uuid: parseUUID(r[0]) ?? UUID(), host: r[1], binary: r[2], topic: r[3], reportCount: r[4],
            disabled: r[5], disabledReason: r[6], forcedDown: r[7],
            lastSeenUp: (r[8] as Double?).map(Date.init(db:)), createdAt: Date(db: r[9]),
            updatedAt: (r[10] as Double?).map(Date.init(db:)), rpcEndpoint: r[11], rpcPublicKey: r[12])
        s.id = r[13]
        return s
    }

    static let ioOpsSQL = """
        SUM(vm_state = 'building' OR task_state IN ('resize_migrating', 'rebuilding', 'resize_prep',
            'image_snapshot', 'image_backup', 'rescuing', 'unshelving'))
        """

    /// The scheduler's refresh: nil when nothing it depends on changed since `since`; otherwise the changed
    /// rows (or everything when `since` is nil or nodes/services were added or removed). `known` maps node
    /// UUIDs to the `updated_at` stamp of the static part the caller holds; other nodes come with full rows.
    public func schedulerChanges(since: SchedulerChangeMarker?, known: [String: Double],
                                 includeInstanceUUIDs: Bool) async throws -> SchedulerChanges? {
        try await db.read { db in
            let m = try Row.fetchOne(try db.cachedStatement(
                sql: "SELECT seq, epoch, aggregates FROM scheduler_changes WHERE id = 1"))!
            let marker = SchedulerChangeMarker(seq: m[0], epoch: m[1], aggregates: m[2])
            if let since, since == marker { return nil }
            let full = since == nil || since!.epoch != marker.epoch
            let after: StatementArguments = full ? [] : [since!.seq]
            var out = SchedulerChanges(marker: marker, full: full, nodes: [], records: [:], services: [],
                                       instanceCounts: [:], aggregatesByHost: nil, instanceUUIDsByNode: nil)
            let nodeRows = try Row.fetchCursor(try db.cachedStatement(sql: full
                ? "SELECT \(Self.usageColumns) FROM compute_nodes ORDER BY hypervisor_hostname"
                : "SELECT \(Self.usageColumns) FROM compute_nodes WHERE change_seq > ?"),
                arguments: after)
            var missing: [String] = []
            while let r = try nodeRows.next() {
                let row = NodeUsageRow(
                    uuid: r[0], host: r[1], hypervisorHostname: r[2], updatedAt: r[3],
                    used: Resources(vcpus: r[4], memoryMB: r[5], diskGB: r[6]), generation: r[7], failedBuilds: r[8],
                    freeVCPU: r[9], freeMemoryMB: r[10], freeDiskGB: r[11])
                if known[row.uuid] != row.updatedAt { missing.append(row.uuid) }
                out.nodes.append(row)
            }
            for chunk in stride(from: 0, to: missing.count, by: 500).map({ Array(missing[$0..<min($0 + 500, missing.count)]) }) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                for r in try Row.fetchAll(db, sql: "SELECT rowid, * FROM compute_nodes WHERE uuid IN (\(marks))",
                                          arguments: StatementArguments(chunk)) {
                    let record = try ComputeNodeRecord(row: r)
                    out.records[r["uuid"]] = record
                }
            }
            let srows = try Row.fetchCursor(try db.cachedStatement(sql: full
                ? "SELECT \(Self.serviceColumns) FROM services WHERE binary = 'nova-compute'"
                : "SELECT \(Self.serviceColumns) FROM services WHERE change_seq > ? AND binary = 'nova-compute'"),
                arguments: after)
            while let r = try srows.next() { out.services.append(Self.schedulerService(r)) }
            if !out.nodes.isEmpty {
                let crows = try Row.fetchCursor(try db.cachedStatement(sql: full
                    ? "SELECT node, COUNT(*), \(Self.ioOpsSQL) FROM instances WHERE deleted = 0 AND node IS NOT NULL GROUP BY node"
                    : """
                      SELECT node, COUNT(*), \(Self.ioOpsSQL) FROM instances
                      WHERE deleted = 0 AND node IN (SELECT hypervisor_hostname FROM compute_nodes WHERE change_seq > ?)
                      GROUP BY node
                      """), arguments: after)
                while let r = try crows.next() { out.instanceCounts[r[0]] = (r[1], r[2] ?? 0) }
                if includeInstanceUUIDs {
                    var uuids: [String: Set<UUID>] = [:]
                    let irows = try Row.fetchCursor(try db.cachedStatement(sql: full
                        ? "SELECT uuid, node FROM instances WHERE deleted = 0 AND node IS NOT NULL"
                        : """
                          SELECT uuid, node FROM instances WHERE deleted = 0
                            AND node IN (SELECT hypervisor_hostname FROM compute_nodes WHERE change_seq > ?)
                          """), arguments: after)
                    while let r = try irows.next() {
                        if let u = Self.parseUUID(r[0]) { uuids[r[1], default: []].insert(u) }
                    }
                    out.instanceUUIDsByNode = uuids
                }
            }
            if full || since!.aggregates != marker.aggregates {
                var aggregates: [String: [AggregateInfo]] = [:]
                for a in try Self.loadAggregates(db, sql: "SELECT * FROM aggregates ORDER BY id") {
                    for h in a.hosts { aggregates[h, default: []].append(a.info) }
                }
                out.aggregatesByHost = aggregates
            }
            return out
        }
    }
}
