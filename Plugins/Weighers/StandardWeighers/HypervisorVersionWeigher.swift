import NimbusKernel

/// Newer hypervisors win (hypervisor_version.py).
public struct HypervisorVersionWeigher: HostWeigher {
    public static let name = "HypervisorVersionWeigher"
    public static let configOptions: [ConfigOption] = [
        weight.declaration,
    ]
    static let weight = TypedOption<Double>("filter_scheduler", "hypervisor_version_weight_multiplier", default: 1.0)

    public let multiplier: Double
    public var multiplierOption: String { "hypervisor_version_weight_multiplier" }

    public init(context: PluginContext) throws {
        multiplier = try Self.weight.read(context.config)
    }

    public func weigh(_ host: HostState, _ spec: RequestSpec) -> Double { Double(host.hypervisorVersion) }
}
