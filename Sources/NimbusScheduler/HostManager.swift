import Foundation
import NimbusKernel
import NimbusStore

/// Builds `HostState`s for one request from the store (nova/scheduler/host_manager.py), after the
/// capacity pre-filter has cut the candidates down in SQL, and runs the request filters.
public struct HostManager: Sendable {
    public let store: NimbusStore
    public let serviceDownTime: Double
    /// Only ImagePropertiesWeigher reads other instances' image properties; skip the query otherwise.
    public var loadsInstanceImageProperties = false
    /// Fill `instanceUUIDs` for every request, not only those with same_host / different_host hints
    /// (for out-of-tree filters that read it).
    public var loadsInstanceUUIDs = false

    public init(store: NimbusStore, serviceDownTime: Double) {
        self.store = store
        self.serviceDownTime = serviceDownTime
    }

    /// Static node parts (inventory, JSON columns) decoded once per node change, shared by the requests of
    /// this scheduler worker. Usage always comes fresh from the store.
    let cache = NodeCache()

    /// The capacity pre-filter step (Placement's allocation candidates) with its report step.
    public func candidates(for spec: RequestSpec) async throws -> ([HostState], FilterReport.Step) {
        let need = spec.flavor.resources
        let wantsUUIDs = !(spec.schedulerHints["same_host"] ?? []).isEmpty
            || !(spec.schedulerHints["different_host"] ?? []).isEmpty || loadsInstanceUUIDs
        let snap = try await store.schedulerSnapshot(includeInstanceUUIDs: wantsUUIDs)
        let images = loadsInstanceImageProperties ? try await store.instanceImagePropertiesByNode() : [:]
        let fitting = snap.nodes.filter { $0.fits(need) }
        let records = try await cache.records(for: fitting, store: store)
        let byHost = Dictionary(snap.services.map { ($0.host, $0) }, uniquingKeysWith: { a, _ in a })
        let now = Date()
        var states: [HostState] = []
        states.reserveCapacity(fitting.count)
        for (u, record) in zip(fitting, records) {
            guard let n = record else { continue }
            let service = byHost[n.host]
            let node = n.resources.hypervisorHostname
            let c = snap.instanceCounts[node]
            var h = HostState(
                host: n.host, nodename: node, uuid: n.uuid,
                freeRAMMB: n.resources.memoryMB - n.reserved.memoryMB - u.used.memoryMB,
                freeDiskMB: (n.resources.localGB - n.reserved.diskGB - u.used.diskGB) * 1024,
                totalUsableRAMMB: n.resources.memoryMB, totalUsableDiskGB: n.resources.localGB,
                vcpusTotal: n.resources.vcpus, vcpusUsed: u.used.vcpus, numInstances: c?.instances ?? 0,
                numIOOps: c?.ioOps ?? 0, failedBuilds: u.failedBuilds, cpuAllocationRatio: n.cpuAllocationRatio,
                ramAllocationRatio: n.ramAllocationRatio, diskAllocationRatio: n.diskAllocationRatio,
                hostIP: n.resources.hostIP, hypervisorType: n.resources.hypervisorType,
                hypervisorVersion: n.resources.hypervisorVersion, supportedInstances: n.resources.supportedInstances,
                service: service, serviceUp: service?.isUp(now: now, serviceDownTime: serviceDownTime) ?? false,
                aggregates: snap.aggregatesByHost[n.host] ?? [], instanceUUIDs: snap.instanceUUIDsByNode[node] ?? [],
                metrics: n.resources.metrics ?? [:], generation: u.generation)
            h.cpuInfo = n.resources.cpuInfo
            h.numaTopology = n.resources.numaTopology
            h.pciPools = n.resources.pciPools
            h.instanceImageProperties = images[node] ?? []
            states.append(h)
        }
        var reasons: [String: Int] = [:]
        let shortV = snap.nodes.count { $0.freeVCPU < Double(need.vcpus) }
        let shortM = snap.nodes.count { $0.freeMemoryMB < Double(need.memoryMB) }
        let shortD = snap.nodes.count { $0.freeDiskGB < Double(need.diskGB) }
        if shortV > 0 { reasons["insufficient VCPU"] = shortV }
        if shortM > 0 { reasons["insufficient MEMORY_MB"] = shortM }
        if shortD > 0 { reasons["insufficient DISK_GB"] = shortD }
        let step = FilterReport.Step(name: "Placement (capacity pre-filter)", hostsIn: snap.nodes.count,
                                     hostsOut: states.count, reasons: reasons)
        return (states, step)
    }

    /// Fills what the request carries only by reference: the server group named by the `group` hint
    /// (members and their hosts) and the PCI requests of the flavor's `pci_passthrough:alias`.
    public func resolve(_ spec: RequestSpec, pciAliases: [String: [[String: String]]]) async throws -> RequestSpec {
        var spec = spec
        if spec.instanceGroup == nil, let g = spec.schedulerHints["group"]?.first, let uuid = UUID(uuidString: g) {
            spec.instanceGroup = try await store.instanceGroupInfo(uuid: uuid)
        }
        if spec.pciRequests == nil {
            spec.pciRequests = PCIRequest.parse(spec.flavor.extraSpecs["pci_passthrough:alias"], aliases: pciAliases)
        }
        return spec
    }
}
