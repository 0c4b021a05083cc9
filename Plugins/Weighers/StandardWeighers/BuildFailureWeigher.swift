import NimbusKernel

/// Hosts with recent failed builds lose: raw `failed_builds`, multiplier negated (compute.py BuildFailureWeigher).
public struct BuildFailureWeigher: HostWeigher {
    public static let name = "BuildFailureWeigher"
    public static let configOptions: [ConfigOption] = [
        weight.declaration,
    ]
    static let weight = TypedOption<Double>("filter_scheduler", "build_failure_weight_multiplier", default: 1000000.0)

    public let multiplier: Double
    public var multiplierOption: String { "build_failure_weight_multiplier" }

    public init(context: PluginContext) throws {
        multiplier = try Self.weight.read(context.config)
    }

    /// Nova negates the multiplier (config or aggregate override), so more failures weigh less.
    public func weightMultiplier(_ host: HostState) -> Double { -(aggregateMultiplier(host) ?? multiplier) }

    public func weigh(_ host: HostState, _ spec: RequestSpec) -> Double { Double(host.failedBuilds) }
}
