import NimbusKernel

/// Policy `soft-anti-affinity`: minus the number of group members on the host (affinity.py).
public struct ServerGroupSoftAntiAffinityWeigher: HostWeigher {
    public static let name = "ServerGroupSoftAntiAffinityWeigher"
    public static let configOptions: [ConfigOption] = [
        weight.declaration,
    ]
    static let weight = TypedOption<Double>("filter_scheduler", "soft_anti_affinity_weight_multiplier", default: 1.0)

    public let multiplier: Double
    public var multiplierOption: String { "soft_anti_affinity_weight_multiplier" }

    public init(context: PluginContext) throws {
        multiplier = try nonNegative(context, Self.weight)
    }

    public func applies(to spec: RequestSpec) -> Bool { spec.instanceGroup?.policy == .softAntiAffinity }

    public func weigh(_ host: HostState, _ spec: RequestSpec) -> Double {
        guard let g = spec.instanceGroup, g.policy == .softAntiAffinity else { return 0 }
        return -Double(g.members(on: host.host))
    }
}
