import NimbusKernel

/// Prefers hosts with more free vCPUs: `vcpus_total × cpu_allocation_ratio − vcpus_used`.
public struct CPUWeigher: HostWeigher {
    public static let name = "CPUWeigher"
    public static let configOptions: [ConfigOption] = [
        weight.declaration,
    ]
    static let weight = TypedOption<Double>("filter_scheduler", "cpu_weight_multiplier", default: 1.0)

    public let multiplier: Double
    public var multiplierOption: String { "cpu_weight_multiplier" }
    public var minval: Double? { 0 }

    public init(context: PluginContext) throws {
        multiplier = try Self.weight.read(context.config)
    }

    public func weigh(_ host: HostState, _ spec: RequestSpec) -> Double {
        Double(host.vcpusTotal) * host.cpuAllocationRatio - Double(host.vcpusUsed)
    }
}
