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

    /// Reads the one field per host in place (the per-host `weigh` call copied every HostState).
    public func weighAll(_ hosts: UnsafeBufferPointer<HostState>, _ spec: RequestSpec, into raw: inout [Double]) {
        for i in hosts.indices { raw[i] = Double(hosts[i].hypervisorVersion) }
    }

    public func weigh(_ host: HostState, _ spec: RequestSpec) -> Double { Double(host.hypervisorVersion) }
}
