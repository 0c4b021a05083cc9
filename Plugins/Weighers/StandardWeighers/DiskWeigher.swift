import NimbusKernel

/// Prefers hosts with more free disk (`free_disk_mb`).
public struct DiskWeigher: HostWeigher {
    public static let name = "DiskWeigher"
    public static let configOptions: [ConfigOption] = [
        weight.declaration,
    ]
    static let weight = TypedOption<Double>("filter_scheduler", "disk_weight_multiplier", default: 1.0)

    public let multiplier: Double
    public var multiplierOption: String { "disk_weight_multiplier" }
    public var minval: Double? { 0 }

    public init(context: PluginContext) throws {
        multiplier = try Self.weight.read(context.config)
    }

    public func weigh(_ host: HostState, _ spec: RequestSpec) -> Double { Double(host.freeDiskMB) }
}
