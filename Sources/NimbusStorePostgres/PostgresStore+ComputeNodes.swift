import Foundation
import NimbusKernel
import NimbusStore
import PostgresNIO

extension PostgresStore {
    /// The columns `node(_:)` reads.
    static let nodeColumns = """
        id, uuid, host, hypervisor_hostname, vcpus, memory_mb, local_gb, hypervisor_type, hypervisor_version,
        host_ip, cpu_info, supported_instances, numa_topology, pci_pools, metrics, reserved_vcpus,
        reserved_memory_mb, reserved_disk_gb, cpu_allocation_ratio, ram_allocation_ratio, disk_allocation_ratio,
        vcpus_used, memory_mb_used, local_gb_used, failed_builds, generation, updated_at
        """

    static func node(_ row: PostgresRow) throws -> ComputeNodeRecord {
        let r = row.makeRandomAccess()
        func int(_ c: String) throws -> Int { try r[c].decode(Int.self, context: .default) }
        func double(_ c: String) throws -> Double { try r[c].decode(Double.self, context: .default) }
        func text(_ c: String) throws -> String { try r[c].decode(String.self, context: .default) }
        func json<T: Decodable>(_ t: T.Type, _ c: String) throws -> T? {
            guard let s = try r[c].decode(String?.self, context: .default) else { return nil }
            return try JSONDecoder().decode(T.self, from: Data(s.utf8))
        }
        let resources = HostResources(
            hypervisorHostname: try text("hypervisor_hostname"), vcpus: try int("vcpus"),
            memoryMB: try int("memory_mb"), localGB: try int("local_gb"), hypervisorType: try text("hypervisor_type"),
            hypervisorVersion: try int("hypervisor_version"), hostIP: try text("host_ip"), cpuInfo: try text("cpu_info"),
            supportedInstances: try json([[String]].self, "supported_instances") ?? [],
            numaTopology: try json(NUMATopology.self, "numa_topology"), pciPools: try json([PCIPool].self, "pci_pools"),
            metrics: try json([String: Double].self, "metrics"))
        guard let uuid = UUID(uuidString: try text("uuid")) else {
            throw StoreError.conflict("compute node with a malformed uuid")
        }
        var n = ComputeNodeRecord(
            uuid: uuid, host: try text("host"), resources: resources,
            reserved: Resources(vcpus: try int("reserved_vcpus"), memoryMB: try int("reserved_memory_mb"),
                                diskGB: try int("reserved_disk_gb")),
            cpuAllocationRatio: try double("cpu_allocation_ratio"), ramAllocationRatio: try double("ram_allocation_ratio"),
            diskAllocationRatio: try double("disk_allocation_ratio"),
            used: Resources(vcpus: try int("vcpus_used"), memoryMB: try int("memory_mb_used"),
                            diskGB: try int("local_gb_used")),
            failedBuilds: try int("failed_builds"), generation: try int("generation"),
            updatedAt: try r["updated_at"].decode(Double?.self, context: .default).map(Date.init(timeIntervalSince1970:)))
        n.id = try int("id")
        return n
    }

    static func json<T: Encodable>(_ v: T?) throws -> String? {
        guard let v else { return nil }
        return String(decoding: try JSONEncoder().encode(v), as: UTF8.self)
    }

    static func nodes(_ rows: PostgresRowSequence) async throws -> [ComputeNodeRecord] {
        var out: [ComputeNodeRecord] = []
        for try await row in rows { out.append(try node(row)) }
        return out
    }
}

extension PostgresStore {
    /// One statement: a new node takes the initial ratios, a known one keeps its own unless the config sets
    /// them (Nova's precedence), and its usage stays.
    @discardableResult
    public func upsertComputeNode(host: String, resources r: HostResources, inventory inv: InventorySettings)
        async throws -> ComputeNodeRecord
    {
        let now = Date().timeIntervalSince1970
        let supported = try Self.json(r.supportedInstances) ?? "[]"
        let numa = try Self.json(r.numaTopology), pci = try Self.json(r.pciPools), metrics = try Self.json(r.metrics)
        let rows = try await client.query("""
            INSERT INTO compute_nodes (uuid, host, hypervisor_hostname, vcpus, memory_mb, local_gb, hypervisor_type,
              hypervisor_version, host_ip, cpu_info, supported_instances, reserved_vcpus, reserved_memory_mb,
              reserved_disk_gb, cpu_allocation_ratio, ram_allocation_ratio, disk_allocation_ratio, numa_topology,
              pci_pools, metrics, created_at, updated_at, change_seq)
            VALUES (\(UUID().uuidString.lowercased()), \(host), \(r.hypervisorHostname), \(r.vcpus), \(r.memoryMB),
              \(r.localGB), \(r.hypervisorType), \(r.hypervisorVersion), \(r.hostIP), \(r.cpuInfo), \(supported),
              \(inv.reserved.vcpus), \(inv.reserved.memoryMB), \(inv.reserved.diskGB),
              \(inv.cpuRatio ?? inv.initialCPURatio), \(inv.ramRatio ?? inv.initialRAMRatio),
              \(inv.diskRatio ?? inv.initialDiskRatio), \(numa), \(pci), \(metrics), \(now), \(now),
              nextval('scheduler_change_seq'))
            ON CONFLICT (hypervisor_hostname) DO UPDATE SET host = EXCLUDED.host, vcpus = EXCLUDED.vcpus,
              memory_mb = EXCLUDED.memory_mb, local_gb = EXCLUDED.local_gb, hypervisor_type = EXCLUDED.hypervisor_type,
              hypervisor_version = EXCLUDED.hypervisor_version, host_ip = EXCLUDED.host_ip,
              cpu_info = EXCLUDED.cpu_info, supported_instances = EXCLUDED.supported_instances,
              reserved_vcpus = EXCLUDED.reserved_vcpus, reserved_memory_mb = EXCLUDED.reserved_memory_mb,
              reserved_disk_gb = EXCLUDED.reserved_disk_gb,
              cpu_allocation_ratio = COALESCE(\(inv.cpuRatio), compute_nodes.cpu_allocation_ratio),
              ram_allocation_ratio = COALESCE(\(inv.ramRatio), compute_nodes.ram_allocation_ratio),
              disk_allocation_ratio = COALESCE(\(inv.diskRatio), compute_nodes.disk_allocation_ratio),
              numa_topology = EXCLUDED.numa_topology, pci_pools = EXCLUDED.pci_pools, metrics = EXCLUDED.metrics,
              updated_at = EXCLUDED.updated_at, generation = compute_nodes.generation + 1,
              change_seq = EXCLUDED.change_seq
            RETURNING \(unescaped: Self.nodeColumns)
            """, logger: logger)
        guard let node = try await Self.nodes(rows).first else {
            throw StoreError.notFound(kind: "Compute node", id: r.hypervisorHostname)
        }
        return node
    }

    public func computeNodes() async throws -> [ComputeNodeRecord] {
        try await Self.nodes(try await client.query(
            "SELECT \(unescaped: Self.nodeColumns) FROM compute_nodes ORDER BY hypervisor_hostname", logger: logger))
    }

    public func computeNode(_ uuid: UUID) async throws -> ComputeNodeRecord? {
        try await Self.nodes(try await client.query(
            "SELECT \(unescaped: Self.nodeColumns) FROM compute_nodes WHERE uuid = \(uuid.uuidString.lowercased())",
            logger: logger)).first
    }

    /// The capacity pre-filter, by the kernel's formula rendered as SQL (as the SQLite engine does).
    public func candidates(for r: Resources) async throws -> [ComputeNodeRecord] {
        try await Self.nodes(try await client.query("""
            SELECT \(unescaped: Self.nodeColumns) FROM compute_nodes
            WHERE \(unescaped: Self.freeVCPU) >= \(r.vcpus) AND \(unescaped: Self.freeMemory) >= \(r.memoryMB)
              AND \(unescaped: Self.freeDisk) >= \(r.diskGB)
            ORDER BY hypervisor_hostname
            """, logger: logger))
    }

    static let freeVCPU = FreeCapacity.sql(total: "vcpus", reserved: "reserved_vcpus", ratio: "cpu_allocation_ratio",
                                           used: "vcpus_used")
    static let freeMemory = FreeCapacity.sql(total: "memory_mb", reserved: "reserved_memory_mb",
                                             ratio: "ram_allocation_ratio", used: "memory_mb_used")
    static let freeDisk = FreeCapacity.sql(total: "local_gb", reserved: "reserved_disk_gb",
                                           ratio: "disk_allocation_ratio", used: "local_gb_used")
}
