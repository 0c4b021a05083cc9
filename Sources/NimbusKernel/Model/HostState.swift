import Foundation

/// The scheduler's view of one compute node for one request (nova/scheduler/host_manager.py HostState).
/// Built fresh per request; `consume` updates it between the instances of a multi-create.
///
/// A value type with its fields in one copy-on-write box: the filter and weigher pipelines pass a host to each
/// plugin's per-host entry point, and a copy then costs one retain instead of one per reference-counted field
/// (~20), which dominated the profile at 1,000+ hosts.
public struct HostState: Sendable, Hashable {
    @usableFromInline var storage: Storage

    @inlinable public var host: String {
        get { storage.fields.host }
        set { unique(); storage.fields.host = newValue }
        _modify { unique(); yield &storage.fields.host }
    }
    @inlinable public var nodename: String {
        get { storage.fields.nodename }
        set { unique(); storage.fields.nodename = newValue }
        _modify { unique(); yield &storage.fields.nodename }
    }
    @inlinable public var uuid: UUID {
        get { storage.fields.uuid }
        set { unique(); storage.fields.uuid = newValue }
        _modify { unique(); yield &storage.fields.uuid }
    }
    @inlinable public var freeRAMMB: Int {
        get { storage.fields.freeRAMMB }
        set { unique(); storage.fields.freeRAMMB = newValue }
        _modify { unique(); yield &storage.fields.freeRAMMB }
    }
    @inlinable public var freeDiskMB: Int {
        get { storage.fields.freeDiskMB }
        set { unique(); storage.fields.freeDiskMB = newValue }
        _modify { unique(); yield &storage.fields.freeDiskMB }
    }
    @inlinable public var totalUsableRAMMB: Int {
        get { storage.fields.totalUsableRAMMB }
        set { unique(); storage.fields.totalUsableRAMMB = newValue }
        _modify { unique(); yield &storage.fields.totalUsableRAMMB }
    }
    @inlinable public var totalUsableDiskGB: Int {
        get { storage.fields.totalUsableDiskGB }
        set { unique(); storage.fields.totalUsableDiskGB = newValue }
        _modify { unique(); yield &storage.fields.totalUsableDiskGB }
    }
    @inlinable public var vcpusTotal: Int {
        get { storage.fields.vcpusTotal }
        set { unique(); storage.fields.vcpusTotal = newValue }
        _modify { unique(); yield &storage.fields.vcpusTotal }
    }
    @inlinable public var vcpusUsed: Int {
        get { storage.fields.vcpusUsed }
        set { unique(); storage.fields.vcpusUsed = newValue }
        _modify { unique(); yield &storage.fields.vcpusUsed }
    }
    @inlinable public var numInstances: Int {
        get { storage.fields.numInstances }
        set { unique(); storage.fields.numInstances = newValue }
        _modify { unique(); yield &storage.fields.numInstances }
    }
    @inlinable public var numIOOps: Int {
        get { storage.fields.numIOOps }
        set { unique(); storage.fields.numIOOps = newValue }
        _modify { unique(); yield &storage.fields.numIOOps }
    }
    @inlinable public var failedBuilds: Int {
        get { storage.fields.failedBuilds }
        set { unique(); storage.fields.failedBuilds = newValue }
        _modify { unique(); yield &storage.fields.failedBuilds }
    }
    @inlinable public var cpuAllocationRatio: Double {
        get { storage.fields.cpuAllocationRatio }
        set { unique(); storage.fields.cpuAllocationRatio = newValue }
        _modify { unique(); yield &storage.fields.cpuAllocationRatio }
    }
    @inlinable public var ramAllocationRatio: Double {
        get { storage.fields.ramAllocationRatio }
        set { unique(); storage.fields.ramAllocationRatio = newValue }
        _modify { unique(); yield &storage.fields.ramAllocationRatio }
    }
    @inlinable public var diskAllocationRatio: Double {
        get { storage.fields.diskAllocationRatio }
        set { unique(); storage.fields.diskAllocationRatio = newValue }
        _modify { unique(); yield &storage.fields.diskAllocationRatio }
    }
    @inlinable public var hostIP: String {
        get { storage.fields.hostIP }
        set { unique(); storage.fields.hostIP = newValue }
        _modify { unique(); yield &storage.fields.hostIP }
    }
    @inlinable public var hypervisorType: String {
        get { storage.fields.hypervisorType }
        set { unique(); storage.fields.hypervisorType = newValue }
        _modify { unique(); yield &storage.fields.hypervisorType }
    }
    @inlinable public var hypervisorVersion: Int {
        get { storage.fields.hypervisorVersion }
        set { unique(); storage.fields.hypervisorVersion = newValue }
        _modify { unique(); yield &storage.fields.hypervisorVersion }
    }
    @inlinable public var supportedInstances: [[String]] {
        get { storage.fields.supportedInstances }
        set { unique(); storage.fields.supportedInstances = newValue }
        _modify { unique(); yield &storage.fields.supportedInstances }
    }
    @inlinable public var service: ServiceRecord? {
        get { storage.fields.service }
        set { unique(); storage.fields.service = newValue }
        _modify { unique(); yield &storage.fields.service }
    }
    /// Whether the service is disabled (ComputeFilter), read in place rather than through a copy of `service`.
    @inlinable public var serviceDisabled: Bool { storage.fields.service?.disabled ?? false }
    /// Whether the service is up by heartbeat, computed once when the state is built.
    @inlinable public var serviceUp: Bool {
        get { storage.fields.serviceUp }
        set { unique(); storage.fields.serviceUp = newValue }
        _modify { unique(); yield &storage.fields.serviceUp }
    }
    @inlinable public var aggregates: [AggregateInfo] {
        get { storage.fields.aggregates }
        set { unique(); storage.fields.aggregates = newValue }
        _modify { unique(); yield &storage.fields.aggregates }
    }
    @inlinable public var instanceUUIDs: Set<UUID> {
        get { storage.fields.instanceUUIDs }
        set { unique(); storage.fields.instanceUUIDs = newValue }
        _modify { unique(); yield &storage.fields.instanceUUIDs }
    }
    @inlinable public var metrics: [String: Double] {
        get { storage.fields.metrics }
        set { unique(); storage.fields.metrics = newValue }
        _modify { unique(); yield &storage.fields.metrics }
    }
    @inlinable public var generation: Int {
        get { storage.fields.generation }
        set { unique(); storage.fields.generation = newValue }
        _modify { unique(); yield &storage.fields.generation }
    }
    /// Placement's free capacity (`FreeCapacity`, the claim's arithmetic), which `consume` reduces: what the
    /// alternates of a multi-create are checked against. The host manager sets it from the store; the initialiser
    /// derives it from the other fields with nothing reserved.
    @inlinable public var free: FreeCapacity {
        get { storage.fields.free }
        set { unique(); storage.fields.free = newValue }
        _modify { unique(); yield &storage.fields.free }
    }
    /// `cpu_info` JSON as the driver reported it (ComputeCapabilitiesFilter reads `cpu_info:…` paths).
    @inlinable public var cpuInfo: String {
        get { storage.fields.cpuInfo }
        set { unique(); storage.fields.cpuInfo = newValue }
        _modify { unique(); yield &storage.fields.cpuInfo }
    }
    @inlinable public var numaTopology: NUMATopology? {
        get { storage.fields.numaTopology }
        set { unique(); storage.fields.numaTopology = newValue }
        _modify { unique(); yield &storage.fields.numaTopology }
    }
    @inlinable public var pciPools: [PCIPool]? {
        get { storage.fields.pciPools }
        set { unique(); storage.fields.pciPools = newValue }
        _modify { unique(); yield &storage.fields.pciPools }
    }
    /// Image properties of the instances on this host (ImagePropertiesWeigher), when the host manager loads them.
    @inlinable public var instanceImageProperties: [[String: String]] {
        get { storage.fields.instanceImageProperties }
        set { unique(); storage.fields.instanceImageProperties = newValue }
        _modify { unique(); yield &storage.fields.instanceImageProperties }
    }

    public init(
        host: String, nodename: String? = nil, uuid: UUID = UUID(), freeRAMMB: Int, freeDiskMB: Int,
        totalUsableRAMMB: Int, totalUsableDiskGB: Int, vcpusTotal: Int, vcpusUsed: Int, numInstances: Int = 0,
        numIOOps: Int = 0, failedBuilds: Int = 0, cpuAllocationRatio: Double = 4.0, ramAllocationRatio: Double = 1.0,
        diskAllocationRatio: Double = 1.0, hostIP: String = "127.0.0.1", hypervisorType: String = "fake",
        hypervisorVersion: Int = 1000, supportedInstances: [[String]] = [], service: ServiceRecord? = nil,
        serviceUp: Bool = true, aggregates: [AggregateInfo] = [], instanceUUIDs: Set<UUID> = [],
        metrics: [String: Double] = [:], generation: Int = 0, free: FreeCapacity? = nil
    ) {
        let derived = FreeCapacity(
            total: Resources(vcpus: vcpusTotal, memoryMB: totalUsableRAMMB, diskGB: totalUsableDiskGB), reserved: .zero,
            ratios: AllocationRatios(cpu: cpuAllocationRatio, ram: ramAllocationRatio, disk: diskAllocationRatio),
            used: Resources(vcpus: vcpusUsed, memoryMB: totalUsableRAMMB - freeRAMMB,
                            diskGB: totalUsableDiskGB - freeDiskMB / 1024))
        storage = Storage(Fields(
            host: host, nodename: nodename ?? host, uuid: uuid, freeRAMMB: freeRAMMB, freeDiskMB: freeDiskMB,
            totalUsableRAMMB: totalUsableRAMMB, totalUsableDiskGB: totalUsableDiskGB, vcpusTotal: vcpusTotal,
            vcpusUsed: vcpusUsed, numInstances: numInstances, numIOOps: numIOOps, failedBuilds: failedBuilds,
            cpuAllocationRatio: cpuAllocationRatio, ramAllocationRatio: ramAllocationRatio,
            diskAllocationRatio: diskAllocationRatio, hostIP: hostIP, hypervisorType: hypervisorType,
            hypervisorVersion: hypervisorVersion, supportedInstances: supportedInstances, service: service,
            serviceUp: serviceUp, aggregates: aggregates, instanceUUIDs: instanceUUIDs, metrics: metrics,
            generation: generation, free: free ?? derived))
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

    /// Nova's `consume_from_request`: what the next instance of the same request sees (and the claim's free
    /// capacity, reduced by what Placement would allocate).
    public mutating func consume(_ flavor: Flavor) {
        freeRAMMB -= flavor.memoryMB
        freeDiskMB -= (flavor.rootGB + flavor.ephemeralGB) * 1024
        vcpusUsed += flavor.vcpus
        numInstances += 1
        numIOOps += 1
        free.take(flavor.resources)
    }

    /// Free PCI devices over all pools (PCIWeigher).
    public var freePCIDevices: Int { pciPools?.reduce(0) { $0 + $1.count } ?? 0 }

    public static func == (a: HostState, b: HostState) -> Bool {
        a.storage === b.storage || a.storage.fields == b.storage.fields
    }
    public func hash(into h: inout Hasher) { h.combine(storage.fields) }

    @inlinable mutating func unique() {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.fields) }
    }

    /// Mutated only through `unique()`, i.e. when this value holds the only reference: a box shared between values
    /// (and so between tasks) is never written, which is what makes it safe to send.
    @usableFromInline final class Storage: @unchecked Sendable {
        /// Unchecked: every access goes through a `HostState` value, whose accesses the compiler already checks
        /// statically; the dynamic check on a class property otherwise ran on every field read (every plugin
        /// call), which made the scheduler several times slower at 10,000 hosts.
        @exclusivity(unchecked) @usableFromInline var fields: Fields
        @usableFromInline init(_ fields: Fields) { self.fields = fields }
    }

    @usableFromInline struct Fields: Sendable, Hashable {
        @usableFromInline var host: String
        @usableFromInline var nodename: String
        @usableFromInline var uuid: UUID
        @usableFromInline var freeRAMMB: Int
        @usableFromInline var freeDiskMB: Int
        @usableFromInline var totalUsableRAMMB: Int
        @usableFromInline var totalUsableDiskGB: Int
        @usableFromInline var vcpusTotal: Int
        @usableFromInline var vcpusUsed: Int
        @usableFromInline var numInstances: Int
        @usableFromInline var numIOOps: Int
        @usableFromInline var failedBuilds: Int
        @usableFromInline var cpuAllocationRatio: Double
        @usableFromInline var ramAllocationRatio: Double
        @usableFromInline var diskAllocationRatio: Double
        @usableFromInline var hostIP: String
        @usableFromInline var hypervisorType: String
        @usableFromInline var hypervisorVersion: Int
        @usableFromInline var supportedInstances: [[String]]
        @usableFromInline var service: ServiceRecord?
        @usableFromInline var serviceUp: Bool
        @usableFromInline var aggregates: [AggregateInfo]
        @usableFromInline var instanceUUIDs: Set<UUID>
        @usableFromInline var metrics: [String: Double]
        @usableFromInline var generation: Int
        @usableFromInline var free: FreeCapacity
        @usableFromInline var cpuInfo: String = "{}"
        @usableFromInline var numaTopology: NUMATopology? = nil
        @usableFromInline var pciPools: [PCIPool]? = nil
        @usableFromInline var instanceImageProperties: [[String: String]] = []
    }
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
