import NimbusKernel

/// `num_instances < max_instances_per_host` (num_instances_filter.py).
public struct NumInstancesFilter: HostFilter {
    public static let name = "NumInstancesFilter"
    public static let configOptions: [ConfigOption] = [
        maxPerHost.declaration,
    ]
    static let maxPerHost = TypedOption<Int>("filter_scheduler", "max_instances_per_host", default: 50)
    let maxInstances: Int

    public init(context: PluginContext) throws {
        maxInstances = try Self.maxPerHost.read(context.config)
    }

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        Self.verdict(host, max: maxInstances)
    }

    static func verdict(_ host: HostState, max: Int) -> FilterVerdict {
        host.numInstances < max ? .pass : .reject("too many instances")
    }
}
