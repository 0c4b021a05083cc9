import NimbusKernel

/// Raw value: instances on the host; off (multiplier 0.0) by default (num_instances.py).
public struct NumInstancesWeigher: HostWeigher {
    public static let name = "NumInstancesWeigher"
    public static let configOptions: [ConfigOption] = [
        .init("filter_scheduler", "num_instances_weight_multiplier", .float, default: "0.0"),
    ]

    public let multiplier: Double
    public var multiplierOption: String { "num_instances_weight_multiplier" }

    public init(context: PluginContext) throws {
        multiplier = try context.config.double("filter_scheduler", "num_instances_weight_multiplier", default: 0.0)
    }

    public func weigh(_ host: HostState, _ spec: RequestSpec) -> Double { Double(host.numInstances) }
}
