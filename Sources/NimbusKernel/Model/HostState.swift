import Foundation

/// The scheduler's view of one compute node for one request (nova/scheduler/host_manager.py HostState).
/// Built fresh per request; `consume` updates it between the instances of a multi-create.
public struct HostState: Sendable, Hashable {
    public var host: String
    public var nodename: String
    public var uuid: UUID
    public var freeRAMMB: Int
    public var freeDiskMB: Int
    public var totalUsableRAMMB: Int
    public var totalUsableDiskGB: Int
    public var vcpusTotal: Int
    public var vcpusUsed: Int
    public var numInstances: Int
    public var numIOOps: Int
    public var failedBuilds: Int
    public var cpuAllocationRatio: Double
    public var ramAllocationRatio: Double
    public var diskAllocationRatio: Double
    public var hostIP: String
    public var hypervisorType: String
    public var hypervisorVersion: Int
    public var supportedInstances: [[String]]
    public var service: ServiceRecord?
    /// Whether the service is up by heartbeat, computed once when the state is built.
    public var serviceUp: Bool
    public var aggregates: [AggregateInfo]
    public var instanceUUIDs: Set<UUID>
    public var metrics: [String: Double]
    public var generation: Int
    /// `cpu_info` JSON as the driver reported it (ComputeCapabilitiesFilter reads `cpu_info:…` paths).
    public var cpuInfo: String = "{}"
    public var numaTopology: NUMATopology?
    public var pciPools: [PCIPool]?
    /// Image properties of the instances on this host (ImagePropertiesWeigher), when the host manager loads them.
    public var instanceImageProperties: [[String: String]] = []

    public init(
        host: String, nodename: String? = nil, uuid: UUID = UUID(), freeRAMMB: Int, freeDiskMB: Int,
        totalUsableRAMMB: Int, totalUsableDiskGB: Int, vcpusTotal: Int, vcpusUsed: Int, numInstances: Int = 0,
        numIOOps: Int = 0, failedBuilds: Int = 0, cpuAllocationRatio: Double = 4.0, ramAllocationRatio: Double = 1.0,
        diskAllocationRatio: Double = 1.0, hostIP: String = "127.0.0.1", hypervisorType: String = "fake",
        hypervisorVersion: Int = 1000, supportedInstances: [[String]] = [], service: ServiceRecord? = nil,
        serviceUp: Bool = true, aggregates: [AggregateInfo] = [], instanceUUIDs: Set<UUID> = [],
        metrics: [String: Double] = [:], generation: Int = 0
    ) {
        self.host = host
        self.nodename = nodename ?? host
        self.uuid = uuid
        self.freeRAMMB = freeRAMMB
        self.freeDiskMB = freeDiskMB
        self.totalUsableRAMMB = totalUsableRAMMB
        self.totalUsableDiskGB = totalUsableDiskGB
        self.vcpusTotal = vcpusTotal
        self.vcpusUsed = vcpusUsed
        self.numInstances = numInstances
        self.numIOOps = numIOOps
        self.failedBuilds = failedBuilds
        self.cpuAllocationRatio = cpuAllocationRatio
        self.ramAllocationRatio = ramAllocationRatio
        self.diskAllocationRatio = diskAllocationRatio
        self.hostIP = hostIP
        self.hypervisorType = hypervisorType
        self.hypervisorVersion = hypervisorVersion
        self.supportedInstances = supportedInstances
        self.service = service
        self.serviceUp = serviceUp
        self.aggregates = aggregates
        self.instanceUUIDs = instanceUUIDs
        self.metrics = metrics
        self.generation = generation
    }

    /// `consume` plus the NUMA cells and PCI devices the request takes (Nova's full `consume_from_request`).
    public mutating func consume(_ spec: RequestSpec) {
        consume(spec.flavor)
        if let req = NUMARequest(flavor: spec.flavor, imageProperties: spec.imageProperties), var topo = numaTopology,
           let cells = topo.fit(req, cpuRatio: cpuAllocationRatio, ramRatio: ramAllocationRatio)
        {
            topo.consume(req, cells: cells)
            numaTopology = topo
        }
        if let requests = spec.pciRequests, let pools = pciPools {
            pciPools = PCIRequest.consume(requests, from: pools) ?? pools
        }
    }

    /// Nova's `consume_from_request`: what the next instance of the same request sees.
    public mutating func consume(_ flavor: Flavor) {
        freeRAMMB -= flavor.memoryMB
        freeDiskMB -= (flavor.rootGB + flavor.ephemeralGB) * 1024
        vcpusUsed += flavor.vcpus
        numInstances += 1
        numIOOps += 1
    }

    /// Free PCI devices over all pools (PCIWeigher).
    public var freePCIDevices: Int { pciPools?.reduce(0) { $0 + $1.count } ?? 0 }
}

/// A host aggregate as the scheduler sees it: name, AZ and metadata.
public struct AggregateInfo: Codable, Sendable, Hashable {
    public var id: Int
    public var name: String
    public var metadata: [String: String]

    public init(id: Int, name: String, metadata: [String: String] = [:]) {
        self.id = id
        self.name = name
        self.metadata = metadata
    }

    public var availabilityZone: String? { metadata["availability_zone"] }
}
