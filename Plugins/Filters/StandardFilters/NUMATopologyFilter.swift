import NimbusKernel

/// The requested guest NUMA topology (`hw:numa_nodes`, `hw:cpu_policy`…) fits the host's NUMA cells with the
/// host's cpu/ram allocation ratios; no request passes; a request on a host without topology fails
/// (numa_topology_filter.py).
public struct NUMATopologyFilter: HostFilter {
    public static let name = "NUMATopologyFilter"
    public init(context: PluginContext) throws {}

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        guard let req = NUMARequest(flavor: spec.flavor, imageProperties: spec.imageProperties) else { return .pass }
        guard let topo = host.numaTopology else { return .reject("host has no NUMA topology") }
        guard topo.fit(req, cpuRatio: host.cpuAllocationRatio, ramRatio: host.ramAllocationRatio) != nil else {
            return .reject("requested NUMA topology does not fit")
        }
        return .pass
    }
}
