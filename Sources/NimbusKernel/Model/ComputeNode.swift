import Foundation

/// What a virt driver reports about the host it drives (Nova's `get_available_resource`).
public struct HostResources: Codable, Sendable, Hashable {
    public var hypervisorHostname: String
    public var vcpus: Int
    public var memoryMB: Int
    public var localGB: Int
    public var hypervisorType: String
    public var hypervisorVersion: Int
    public var hostIP: String
    public var cpuInfo: String
    /// `[arch, hv_type, vm_mode]` triples, as Nova's `supported_instances`.
    public var supportedInstances: [[String]]
    /// NUMA cells, PCI device pools and monitor metrics, when the driver reports them (optional, so older
    /// senders' messages still decode).
    public var numaTopology: NUMATopology?
    public var pciPools: [PCIPool]?
    public var metrics: [String: Double]?

    public init(
        hypervisorHostname: String, vcpus: Int, memoryMB: Int, localGB: Int, hypervisorType: String = "fake",
        hypervisorVersion: Int = 1000, hostIP: String = "127.0.0.1", cpuInfo: String = "{}",
        supportedInstances: [[String]] = [["x86_64", "fake", "hvm"]], numaTopology: NUMATopology? = nil,
        pciPools: [PCIPool]? = nil, metrics: [String: Double]? = nil
    ) {
        self.numaTopology = numaTopology
        self.pciPools = pciPools
        self.metrics = metrics
        self.hypervisorHostname = hypervisorHostname
        self.vcpus = vcpus
        self.memoryMB = memoryMB
        self.localGB = localGB
        self.hypervisorType = hypervisorType
        self.hypervisorVersion = hypervisorVersion
        self.hostIP = hostIP
        self.cpuInfo = cpuInfo
        self.supportedInstances = supportedInstances
    }
}

/// A compute node row: the driver's resources plus placement-style inventory and usage.
public struct ComputeNodeRecord: Codable, Sendable, Hashable {
    /// Integer id (the API shows it before microversion 2.53).
    public var id: Int = 0
    public var uuid: UUID
    public var host: String
    public var resources: HostResources
    public var reserved: Resources
    public var cpuAllocationRatio: Double
    public var ramAllocationRatio: Double
    public var diskAllocationRatio: Double
    public var used: Resources
    public var numInstances: Int
    public var numIOOps: Int
    public var failedBuilds: Int
    /// Bumped by every claim or release: the placement resource-provider generation.
    public var generation: Int
    public var updatedAt: Date?

    public init(
        uuid: UUID = UUID(), host: String, resources: HostResources, reserved: Resources = .zero,
        cpuAllocationRatio: Double = 4.0, ramAllocationRatio: Double = 1.0, diskAllocationRatio: Double = 1.0,
        used: Resources = .zero, numInstances: Int = 0, numIOOps: Int = 0, failedBuilds: Int = 0,
        generation: Int = 0, updatedAt: Date? = nil
    ) {
        self.uuid = uuid
        self.host = host
        self.resources = resources
        self.reserved = reserved
        self.cpuAllocationRatio = cpuAllocationRatio
        self.ramAllocationRatio = ramAllocationRatio
        self.diskAllocationRatio = diskAllocationRatio
        self.used = used
        self.numInstances = numInstances
        self.numIOOps = numIOOps
        self.failedBuilds = failedBuilds
        self.generation = generation
        self.updatedAt = updatedAt
    }

    public var total: Resources {
        Resources(vcpus: resources.vcpus, memoryMB: resources.memoryMB, diskGB: resources.localGB)
    }

    public var ratios: AllocationRatios {
        AllocationRatios(cpu: cpuAllocationRatio, ram: ramAllocationRatio, disk: diskAllocationRatio)
    }

    /// Free capacity now, by the one formula.
    public var free: FreeCapacity { FreeCapacity(total: total, reserved: reserved, ratios: ratios, used: used) }

    public func fits(_ request: Resources) -> Bool { free.fits(request) }
}

/// A service row (`nova-compute`, `nova-scheduler`, …) with Nova's up/down inputs.
public struct ServiceRecord: Codable, Sendable, Hashable {
    /// Integer id (the API shows it before microversion 2.53).
    public var id: Int = 0
    public var uuid: UUID
    public var host: String
    public var binary: String
    public var topic: String
    public var reportCount: Int
    public var disabled: Bool
    public var disabledReason: String?
    public var forcedDown: Bool
    public var lastSeenUp: Date?
    public var createdAt: Date
    public var updatedAt: Date?
    /// The RPC endpoint a compute reported for itself (used by transports that need addresses).
    public var rpcEndpoint: String?
    public var rpcPublicKey: String?

    public init(
        uuid: UUID = UUID(), host: String, binary: String, topic: String, reportCount: Int = 0, disabled: Bool = false,
        disabledReason: String? = nil, forcedDown: Bool = false, lastSeenUp: Date? = nil, createdAt: Date = Date(),
        updatedAt: Date? = nil, rpcEndpoint: String? = nil, rpcPublicKey: String? = nil
    ) {
        self.uuid = uuid
        self.host = host
        self.binary = binary
        self.topic = topic
        self.reportCount = reportCount
        self.disabled = disabled
        self.disabledReason = disabledReason
        self.forcedDown = forcedDown
        self.lastSeenUp = lastSeenUp
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.rpcEndpoint = rpcEndpoint
        self.rpcPublicKey = rpcPublicKey
    }

    /// Nova's DB servicegroup driver: up when |now − last_seen_up| ≤ service_down_time and not forced down.
    public func isUp(now: Date = Date(), serviceDownTime: Double) -> Bool {
        if forcedDown { return false }
        let seen = lastSeenUp ?? createdAt
        return abs(now.timeIntervalSince(seen)) <= serviceDownTime
    }
}
