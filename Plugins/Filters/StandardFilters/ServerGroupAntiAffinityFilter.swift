import NimbusKernel

/// Group policy `anti-affinity`: fewer than `max_server_per_host` (default 1) members already on the host;
/// the instance's own current host passes (moves) (nova/scheduler/filters/affinity_filter.py).
public struct ServerGroupAntiAffinityFilter: HostFilter {
    public static let name = "ServerGroupAntiAffinityFilter"
    public init(context: PluginContext) throws {}

    public func applies(to spec: RequestSpec) -> Bool { spec.instanceGroup?.policy == .antiAffinity }

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        guard let group = spec.instanceGroup, group.policy == .antiAffinity else { return .pass }
        if spec.currentHost == host.host { return .pass }
        let max = group.maxServerPerHost
        return group.members(on: host.host) < max
            ? .pass : .reject("anti-affinity group already has max_server_per_host members on the host")
    }
}
