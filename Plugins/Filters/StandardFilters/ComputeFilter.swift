import NimbusKernel

/// Passes hosts whose compute service is enabled and up (nova/scheduler/filters/compute_filter.py).
public struct ComputeFilter: HostFilter {
    public static let name = "ComputeFilter"
    public static let disabledReason: RejectReason = "service disabled"
    public static let downReason: RejectReason = "service down"

    public init(context: PluginContext) throws {}

    public var runOncePerRequest: Bool { true }

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        if host.serviceDisabled { return .reject(Self.disabledReason) }
        if !host.serviceUp { return .reject(Self.downReason) }
        return .pass
    }
}
