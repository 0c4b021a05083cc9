import NimbusKernel

/// Prefers hosts with more free RAM (spreading); a negative multiplier stacks instead.
public struct RAMWeigher: HostWeigher {
    public static let name = "RAMWeigher"
    public static let configOptions: [ConfigOption] = [
        .init("filter_scheduler", "ram_weight_multiplier", .float, default: "1.0"),
    ]

    public let multiplier: Double
    public var multiplierOption: String { "ram_weight_multiplier" }
    public var minval: Double? { 0 }

    public init(context: PluginContext) throws {
        multiplier = try context.config.double("filter_scheduler", "ram_weight_multiplier", default: 1.0)
    }

    public func weigh(_ host: HostState, _ spec: RequestSpec) -> Double { Double(host.freeRAMMB) }
}
