import NimbusKernel

/// Fewer concurrent I/O-heavy operations win with the default negative multiplier (io_ops.py).
public struct IoOpsWeigher: HostWeigher {
    public static let name = "IoOpsWeigher"
    public static let configOptions: [ConfigOption] = [
        weight.declaration,
    ]
    static let weight = TypedOption<Double>("filter_scheduler", "io_ops_weight_multiplier", default: -1.0)

    public let multiplier: Double
    public var multiplierOption: String { "io_ops_weight_multiplier" }
    public var minval: Double? { 0 }

    public init(context: PluginContext) throws {
        multiplier = try Self.weight.read(context.config)
    }

    public func weigh(_ host: HostState, _ spec: RequestSpec) -> Double { Double(host.numIOOps) }
}
