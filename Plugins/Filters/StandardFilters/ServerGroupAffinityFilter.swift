import NimbusKernel

/// Group policy `affinity`: the host already runs a member, or the group has no host yet
/// (nova/scheduler/filters/affinity_filter.py).
public struct ServerGroupAffinityFilter: HostFilter {
    public static let name = "ServerGroupAffinityFilter"
    public init(context: PluginContext) throws {}

    public func applies(to spec: RequestSpec) -> Bool { spec.instanceGroup?.policy == .affinity }

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        guard let group = spec.instanceGroup, group.policy == .affinity else { return .pass }
        if group.hostCounts.isEmpty || group.members(on: host.host) > 0 { return .pass }
        return .reject("affinity group members run on another host")
    }
}
