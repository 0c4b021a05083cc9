import NimbusKernel

/// Group policy `affinity`: the host already runs a member, or the group has no host yet
/// (nova/scheduler/filters/affinity_filter.py).
public struct ServerGroupAffinityFilter: HostFilter {
    public static let name = "ServerGroupAffinityFilter"
    public init(context: PluginContext) throws {}

    /// No affinity group, or one with no member placed yet: every host passes, without the per-host calls.
    public func filterAll(_ hosts: UnsafeBufferPointer<HostState>, _ candidates: [Int], _ spec: RequestSpec,
                          kept: inout [Int], reasons: inout [String: Int]) throws {
        guard let group = spec.instanceGroup, group.policy == .affinity, !group.hostCounts.isEmpty else {
            return kept.append(contentsOf: candidates)
        }
        for i in candidates {
            switch try filter(hosts[i], spec) {
            case .pass: kept.append(i)
            case .reject(let reason): reasons[reason, default: 0] += 1
            }
        }
    }

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        guard let group = spec.instanceGroup, group.policy == .affinity else { return .pass }
        if group.hostCounts.isEmpty || group.members(on: host.host) > 0 { return .pass }
        return .reject("affinity group members run on another host")
    }
}
