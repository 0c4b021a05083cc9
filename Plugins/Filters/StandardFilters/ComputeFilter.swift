import NimbusKernel

/// Passes hosts whose compute service is enabled and up (nova/scheduler/filters/compute_filter.py).
public struct ComputeFilter: HostFilter {
    public static let name = "ComputeFilter"
    public static let disabledReason = "service disabled"
    public static let downReason = "service down"

    public init(context: PluginContext) throws {}

    public var runOncePerRequest: Bool { true }

    /// Reads the two fields per host in place (the per-host `filter` call copied every HostState).
    public func filterAll(_ hosts: UnsafeBufferPointer<HostState>, _ candidates: [Int], _ spec: RequestSpec,
                          kept: inout [Int], reasons: inout [String: Int]) throws {
        var disabled = 0, down = 0
        for i in candidates {
            if hosts[i].service?.disabled ?? false {
                disabled += 1
            } else if !hosts[i].serviceUp {
                down += 1
            } else {
                kept.append(i)
            }
        }
        if disabled > 0 { reasons[Self.disabledReason, default: 0] += disabled }
        if down > 0 { reasons[Self.downReason, default: 0] += down }
    }

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        if host.service?.disabled ?? false { return .reject(Self.disabledReason) }
        if !host.serviceUp { return .reject(Self.downReason) }
        return .pass
    }
}
