import NimbusKernel

/// NumInstancesFilter with the limit from aggregate key `max_instances_per_host` (num_instances_filter.py).
public struct AggregateNumInstancesFilter: HostFilter {
    public static let name = "AggregateNumInstancesFilter"
    let maxInstances: Int

    public init(context: PluginContext) throws {
        maxInstances = try NumInstancesFilter.maxPerHost.read(context.config)
    }

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        NumInstancesFilter.verdict(host, max: AggregateMetadata.minInt(host, "max_instances_per_host",
                                                                       default: maxInstances))
    }
}
