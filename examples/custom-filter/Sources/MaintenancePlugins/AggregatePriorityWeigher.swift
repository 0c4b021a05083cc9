import NimbusKernel

/// Prefers hosts in aggregates with a higher `scheduling_priority` (a number; the highest of the host's
/// aggregates counts, 0 when unset) — e.g. fill new racks before old ones. Multiplier:
/// `[filter_scheduler] aggregate_priority_weight_multiplier` (1.0), overridable per aggregate like Nova's.
public struct AggregatePriorityWeigher: HostWeigher {
    public static let name = "AggregatePriorityWeigher"
    public static let configOptions: [ConfigOption] = [
        weight.declaration,
    ]
    static let weight = TypedOption<Double>("filter_scheduler", "aggregate_priority_weight_multiplier", default: 1.0)

    public let multiplier: Double
    public var multiplierOption: String { "aggregate_priority_weight_multiplier" }

    public init(context: PluginContext) throws {
        multiplier = try Self.weight.read(context.config)
    }

    public func weigh(_ host: HostState, _ spec: RequestSpec) -> Double {
        host.aggregates.compactMap { $0.metadata["scheduling_priority"].flatMap { Double($0) } }.max() ?? 0
    }
}
