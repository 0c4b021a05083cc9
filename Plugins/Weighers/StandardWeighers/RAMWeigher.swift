import NimbusKernel

/// Prefers hosts with more free RAM (spreading); a negative multiplier stacks instead.
public struct RAMWeigher: HostWeigher {
    public static let name = "RAMWeigher"
    public static let configOptions: [ConfigOption] = [
        weight.declaration,
    ]
    static let weight = TypedOption<Double>("filter_scheduler", "ram_weight_multiplier", default: 1.0)

    public let multiplier: Double
    public var multiplierOption: String { "ram_weight_multiplier" }
    public var minval: Double? { 0 }

    public init(context: PluginContext) throws {
        multiplier = try Self.weight.read(context.config)
    }

    public func weigh(_ host: HostState, _ spec: RequestSpec) -> Double { Double(host.freeRAMMB) }
}
