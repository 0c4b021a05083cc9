import NimbusKernel

/// Policy `soft-affinity`: more group members on the host weigh more (affinity.py).
public struct ServerGroupSoftAffinityWeigher: HostWeigher {
    public static let name = "ServerGroupSoftAffinityWeigher"
    public static let configOptions: [ConfigOption] = [
        weight.declaration,
    ]
    static let weight = TypedOption<Double>("filter_scheduler", "soft_affinity_weight_multiplier", default: 1.0)

    public let multiplier: Double
    public var multiplierOption: String { "soft_affinity_weight_multiplier" }

    public init(context: PluginContext) throws {
        multiplier = try nonNegative(context, Self.weight)
    }

    public func applies(to spec: RequestSpec) -> Bool { spec.instanceGroup?.policy == .softAffinity }

    public func weigh(_ host: HostState, _ spec: RequestSpec) -> Double {
        guard let g = spec.instanceGroup, g.policy == .softAffinity else { return 0 }
        return Double(g.members(on: host.host))
    }
}
