import NimbusKernel

/// Raw value: instances on the host; off (multiplier 0.0) by default (num_instances.py).
public struct NumInstancesWeigher: HostWeigher {
    public static let name = "NumInstancesWeigher"
    public static let configOptions: [ConfigOption] = [
        weight.declaration,
    ]
    static let weight = TypedOption<Double>("filter_scheduler", "num_instances_weight_multiplier", default: 0.0)

    public let multiplier: Double
    public var multiplierOption: String { "num_instances_weight_multiplier" }

    public init(context: PluginContext) throws {
        multiplier = try Self.weight.read(context.config)
    }

    public func weigh(_ host: HostState, _ spec: RequestSpec) -> Double { Double(host.numInstances) }
}
