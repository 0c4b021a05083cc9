import Foundation
import GRDB
import NimbusKernel

extension ComputeNodeRecord {
    init(row: Row) throws {
        let resources = HostResources(
            hypervisorHostname: row["hypervisor_hostname"], vcpus: row["vcpus"], memoryMB: row["memory_mb"],
            localGB: row["local_gb"], hypervisorType: row["hypervisor_type"],
            hypervisorVersion: row["hypervisor_version"], hostIP: row["host_ip"], cpuInfo: row["cpu_info"],
            supportedInstances: try JSONColumn.decode([[String]].self, row["supported_instances"]),
            numaTopology: try JSONColumn.decodeIfPresent(NUMATopology.self, row["numa_topology"]),
            pciPools: try JSONColumn.decodeIfPresent([PCIPool].self, row["pci_pools"]),
            metrics: try JSONColumn.decodeIfPresent([String: Double].self, row["metrics"]))
        self.init(
            uuid: UUID(uuidString: row["uuid"])!, host: row["host"], resources: resources,
            reserved: Resources(vcpus: row["reserved_vcpus"], memoryMB: row["reserved_memory_mb"],
                                diskGB: row["reserved_disk_gb"]),
            cpuAllocationRatio: row["cpu_allocation_ratio"], ramAllocationRatio: row["ram_allocation_ratio"],
            diskAllocationRatio: row["disk_allocation_ratio"],
            used: Resources(vcpus: row["vcpus_used"], memoryMB: row["memory_mb_used"], diskGB: row["local_gb_used"]),
            failedBuilds: row["failed_builds"], generation: row["generation"],
            updatedAt: (row["updated_at"] as Double?).map(Date.init(db:)))
        id = row["rowid"] ?? 0
    }
}

extension NimbusStore {
    /// Creates or refreshes a node's inventory from its driver (Nova's `update_available_resource`),
    /// keeping usage and following Nova's allocation-ratio precedence.
    @discardableResult
    public func upsertComputeNode(host: String, resources r: HostResources, inventory inv: InventorySettings)
        async throws -> ComputeNodeRecord
    {
        try await db.write { db in
            let now = Date().dbValue
            let existing = try Row.fetchOne(
                db, sql: "SELECT rowid, * FROM compute_nodes WHERE hypervisor_hostname = ?", arguments: [r.hypervisorHostname])
            let cpu = inv.cpuRatio ?? (existing?["cpu_allocation_ratio"] ?? inv.initialCPURatio)
            let ram = inv.ramRatio ?? (existing?["ram_allocation_ratio"] ?? inv.initialRAMRatio)
            let disk = inv.diskRatio ?? (existing?["disk_allocation_ratio"] ?? inv.initialDiskRatio)
            let supported = try JSONColumn.encode(r.supportedInstances)
            if let existing {
                try db.execute(sql: """
                    UPDATE compute_nodes SET host = ?, vcpus = ?, memory_mb = ?, local_gb = ?, hypervisor_type = ?,
                      hypervisor_version = ?, host_ip = ?, cpu_info = ?, supported_instances = ?, reserved_vcpus = ?,
                      reserved_memory_mb = ?, reserved_disk_gb = ?, cpu_allocation_ratio = ?, ram_allocation_ratio = ?,
                      disk_allocation_ratio = ?, updated_at = ?, generation = generation + 1
                    WHERE uuid = ?
                    """, arguments: [host, r.vcpus, r.memoryMB, r.localGB, r.hypervisorType, r.hypervisorVersion,
                                     r.hostIP, r.cpuInfo, supported, inv.reserved.vcpus, inv.reserved.memoryMB,
                                     inv.reserved.diskGB, cpu, ram, disk, now, existing["uuid"] as String])
            } else {
                try db.execute(sql: """
                    INSERT INTO compute_nodes (uuid, host, hypervisor_hostname, vcpus, memory_mb, local_gb,
                      hypervisor_type, hypervisor_version, host_ip, cpu_info, supported_instances, reserved_vcpus,
                      reserved_memory_mb, reserved_disk_gb, cpu_allocation_ratio, ram_allocation_ratio,
                      disk_allocation_ratio, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [UUID().db, host, r.hypervisorHostname, r.vcpus, r.memoryMB, r.localGB,
                                     r.hypervisorType, r.hypervisorVersion, r.hostIP, r.cpuInfo, supported,
                                     inv.reserved.vcpus, inv.reserved.memoryMB, inv.reserved.diskGB, cpu, ram, disk,
                                     now, now])
            }
            try db.execute(sql: """
                UPDATE compute_nodes SET numa_topology = ?, pci_pools = ?, metrics = ? WHERE hypervisor_hostname = ?
                """, arguments: [try r.numaTopology.map { try JSONColumn.encode($0) }, try r.pciPools.map { try JSONColumn.encode($0) },
                                 try r.metrics.map { try JSONColumn.encode($0) }, r.hypervisorHostname])
            let row = try Row.fetchOne(
                db, sql: "SELECT rowid, * FROM compute_nodes WHERE hypervisor_hostname = ?", arguments: [r.hypervisorHostname])!
            return try ComputeNodeRecord(row: row)
        }
    }

    public func computeNodes() async throws -> [ComputeNodeRecord] {
        try await db.read { db in
            try Row.fetchAll(db, sql: "SELECT rowid, * FROM compute_nodes ORDER BY hypervisor_hostname")
                .map(ComputeNodeRecord.init(row:))
        }
    }

    public func computeNode(_ uuid: UUID) async throws -> ComputeNodeRecord? {
        try await db.read { db in
            try Row.fetchOne(db, sql: "SELECT rowid, * FROM compute_nodes WHERE uuid = ?", arguments: [uuid.db])
                .map(ComputeNodeRecord.init(row:))
        }
    }

    /// Counts a build result on a node: failure increments `failed_builds`, success resets it (Nova 1.3 step 8).
    public func recordBuildResult(node: String, success: Bool) async throws {
        try await db.write { db in
            try db.execute(sql: success
                ? "UPDATE compute_nodes SET failed_builds = 0 WHERE hypervisor_hostname = ? AND failed_builds != 0"
                : "UPDATE compute_nodes SET failed_builds = failed_builds + 1 WHERE hypervisor_hostname = ?",
                arguments: [node])
        }
    }

    /// Instances (and their per-host counts) that are live on each host, for HostState.
    public func instanceCounts() async throws -> [String: (instances: Int, ioOps: Int)] {
        try await db.read { db in
            var out: [String: (Int, Int)] = [:]
            let rows = try Row.fetchAll(db, sql: """
                SELECT node, COUNT(*) AS n,
                  SUM(vm_state = 'building' OR task_state IN ('resize_migrating', 'rebuilding', 'resize_prep',
                      'image_snapshot', 'image_backup', 'rescuing', 'unshelving')) AS io
                FROM instances WHERE deleted = 0 AND node IS NOT NULL GROUP BY node
                """)
            for row in rows { out[row["node"]] = (row["n"], row["io"] ?? 0) }
            return out
        }
    }
}
