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

    public init(store: NimbusStore, serviceDownTime: Double) {
        self.store = store
        self.serviceDownTime = serviceDownTime
    }

    /// The capacity pre-filter step (Placement's allocation candidates) with its report step.
    public func candidates(for spec: RequestSpec) async throws -> ([HostState], FilterReport.Step) {
        let need = spec.flavor.resources
        async let nodesTask = store.candidates(for: need)
        async let summaryTask = store.capacitySummary(for: need)
        async let servicesTask = store.services(binary: "nova-compute")
        async let countsTask = store.instanceCounts()
        async let aggregatesTask = store.aggregatesByHost()
        async let instancesTask = store.instanceUUIDsByNode()
        let (nodes, summary, services, counts) = try await (nodesTask, summaryTask, servicesTask, countsTask)
        let (aggregates, instances) = try await (aggregatesTask, instancesTask)
        let images = loadsInstanceImageProperties ? try await store.instanceImagePropertiesByNode() : [:]
        let byHost = Dictionary(services.map { ($0.host, $0) }, uniquingKeysWith: { a, _ in a })
        let now = Date()
        let states = nodes.map { n in
            let service = byHost[n.host]
            let node = n.resources.hypervisorHostname
            let c = counts[node]
            var h = HostState(
                host: n.host, nodename: node, uuid: n.uuid,
                freeRAMMB: n.resources.memoryMB - n.reserved.memoryMB - n.used.memoryMB,
                freeDiskMB: (n.resources.localGB - n.reserved.diskGB - n.used.diskGB) * 1024,
                totalUsableRAMMB: n.resources.memoryMB, totalUsableDiskGB: n.resources.localGB,
                vcpusTotal: n.resources.vcpus, vcpusUsed: n.used.vcpus, numInstances: c?.instances ?? 0,
                numIOOps: c?.ioOps ?? 0, failedBuilds: n.failedBuilds, cpuAllocationRatio: n.cpuAllocationRatio,
                ramAllocationRatio: n.ramAllocationRatio, diskAllocationRatio: n.diskAllocationRatio,
                hostIP: n.resources.hostIP, hypervisorType: n.resources.hypervisorType,
                hypervisorVersion: n.resources.hypervisorVersion, supportedInstances: n.resources.supportedInstances,
                service: service, serviceUp: service?.isUp(now: now, serviceDownTime: serviceDownTime) ?? false,
                aggregates: aggregates[n.host] ?? [], instanceUUIDs: instances[node] ?? [],
                metrics: n.resources.metrics ?? [:], generation: n.generation)
            h.cpuInfo = n.resources.cpuInfo
            h.numaTopology = n.resources.numaTopology
            h.pciPools = n.resources.pciPools
            h.instanceImageProperties = images[node] ?? []
            return h
        }
        var reasons: [String: Int] = [:]
        if summary.shortVCPU > 0 { reasons["insufficient VCPU"] = summary.shortVCPU }
        if summary.shortMemory > 0 { reasons["insufficient MEMORY_MB"] = summary.shortMemory }
        if summary.shortDisk > 0 { reasons["insufficient DISK_GB"] = summary.shortDisk }
        let step = FilterReport.Step(name: "Placement (capacity pre-filter)", hostsIn: summary.total,
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
