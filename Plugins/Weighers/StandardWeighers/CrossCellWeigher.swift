import NimbusKernel

/// Prefers the source cell of a cross-cell move (+1/−1). Nimbus has one cell, so every host weighs 0 (cross_cell.py).
public struct CrossCellWeigher: HostWeigher {
    public static let name = "CrossCellWeigher"
    public static let configOptions: [ConfigOption] = [
        weight.declaration,
    ]
    static let weight = TypedOption<Double>("filter_scheduler", "cross_cell_move_weight_multiplier", default: 1000000.0)

    public let multiplier: Double
    public var multiplierOption: String { "cross_cell_move_weight_multiplier" }

    public init(context: PluginContext) throws {
        multiplier = try Self.weight.read(context.config)
    }

    /// One cell: there is never a source cell to prefer.
    public func applies(to spec: RequestSpec) -> Bool { false }

    public func weigh(_ host: HostState, _ spec: RequestSpec) -> Double { 0 }
}
