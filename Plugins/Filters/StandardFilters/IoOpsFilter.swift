import NimbusKernel

/// `num_io_ops < max_io_ops_per_host` (io_ops_filter.py).
public struct IoOpsFilter: HostFilter {
    public static let name = "IoOpsFilter"
    public static let configOptions: [ConfigOption] = [
        maxPerHost.declaration,
    ]
    static let maxPerHost = TypedOption<Int>("filter_scheduler", "max_io_ops_per_host", default: 8)
    let maxIOOps: Int

    public init(context: PluginContext) throws {
        maxIOOps = try Self.maxPerHost.read(context.config)
    }

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        Self.verdict(host, max: maxIOOps)
    }

    static func verdict(_ host: HostState, max: Int) -> FilterVerdict {
        host.numIOOps < max ? .pass : .reject("too many I/O operations")
    }
}
