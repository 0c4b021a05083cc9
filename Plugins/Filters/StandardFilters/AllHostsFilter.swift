import NimbusKernel

/// Passes every host (nova/scheduler/filters/all_hosts_filter.py).
public struct AllHostsFilter: HostFilter {
    public static let name = "AllHostsFilter"
    public init(context: PluginContext) throws {}
    public var runOncePerRequest: Bool { true }
    public var runOnRebuild: Bool { false }
    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict { .pass }
}
