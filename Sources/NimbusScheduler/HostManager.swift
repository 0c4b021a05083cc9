import Foundation
import NimbusKernel
import NimbusStore

/// Builds `HostState`s for one request from the store (nova/scheduler/host_manager.py), after the
/// capacity pre-filter has cut the candidates down in SQL.
public struct HostManager: Sendable {
    public let store: NimbusStore
    public let serviceDownTime: Double

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
        let (nodes, summary, services, counts) = try await (nodesTask, summaryTask, servicesTask, countsTask)
        let byHost = Dictionary(services.map { ($0.host, $0) }, uniquingKeysWith: { a, _ in a })
        let now = Date()
        let states = nodes.map { n in
            let service = byHost[n.host]
            let c = counts[n.resources.hypervisorHostname]
            return HostState(
                host: n.host, nodename: n.resources.hypervisorHostname, uuid: n.uuid,
                freeRAMMB: n.resources.memoryMB - n.reserved.memoryMB - n.used.memoryMB,
                freeDiskMB: (n.resources.localGB - n.reserved.diskGB - n.used.diskGB) * 1024,
                totalUsableRAMMB: n.resources.memoryMB, totalUsableDiskGB: n.resources.localGB,
                vcpusTotal: n.resources.vcpus, vcpusUsed: n.used.vcpus, numInstances: c?.instances ?? 0,
                numIOOps: c?.ioOps ?? 0, failedBuilds: n.failedBuilds, cpuAllocationRatio: n.cpuAllocationRatio,
                ramAllocationRatio: n.ramAllocationRatio, diskAllocationRatio: n.diskAllocationRatio,
                hostIP: n.resources.hostIP, hypervisorType: n.resources.hypervisorType,
                hypervisorVersion: n.resources.hypervisorVersion, supportedInstances: n.resources.supportedInstances,
                service: service, serviceUp: service?.isUp(now: now, serviceDownTime: serviceDownTime) ?? false,
                generation: n.generation)
        }
        var reasons: [String: Int] = [:]
        if summary.shortVCPU > 0 { reasons["insufficient VCPU"] = summary.shortVCPU }
        if summary.shortMemory > 0 { reasons["insufficient MEMORY_MB"] = summary.shortMemory }
        if summary.shortDisk > 0 { reasons["insufficient DISK_GB"] = summary.shortDisk }
        let step = FilterReport.Step(name: "Placement (capacity pre-filter)", hostsIn: summary.total,
                                     hostsOut: states.count, reasons: reasons)
        return (states, step)
    }
}
