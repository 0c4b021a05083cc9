import NimbusKernel

/// IoOpsFilter with the limit from aggregate key `max_io_ops_per_host` (the minimum if several; the config
/// value when none parses) (io_ops_filter.py).
public struct AggregateIoOpsFilter: HostFilter {
    public static let name = "AggregateIoOpsFilter"
    let maxIOOps: Int

    public init(context: PluginContext) throws {
        maxIOOps = try IoOpsFilter.maxPerHost.read(context.config)
    }

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        IoOpsFilter.verdict(host, max: AggregateMetadata.minInt(host, "max_io_ops_per_host", default: maxIOOps))
    }
}
