import NimbusKernel

/// Keeps PCI hosts free unless needed: `100 − min(free_devices, 99)` (pci.py). The multiplier must be ≥ 0.
public struct PCIWeigher: HostWeigher {
    public static let name = "PCIWeigher"
    public static let configOptions: [ConfigOption] = [
        weight.declaration,
    ]
    static let weight = TypedOption<Double>("filter_scheduler", "pci_weight_multiplier", default: 1.0)
    static let maxDevices = 100

    public let multiplier: Double
    public var multiplierOption: String { "pci_weight_multiplier" }

    public init(context: PluginContext) throws {
        multiplier = try nonNegative(context, Self.weight)
    }

    public func weigh(_ host: HostState, _ spec: RequestSpec) -> Double {
        // Summed here rather than through HostState.freePCIDevices, which cannot be inlined across modules.
        let free = host.pciPools?.reduce(0) { $0 + $1.count } ?? 0
        return Double(Self.maxDevices - min(free, Self.maxDevices - 1))
    }
}

/// oslo.config `min=0` options: a negative value is a startup error naming the option.
func nonNegative(_ context: PluginContext, _ option: TypedOption<Double>) throws -> Double {
    let v = try option.read(context.config)
    guard v >= 0 else {
        throw ConfigError.invalidValue(source: context.config.source(option.section, option.name),
                                       section: option.section, option: option.name, value: String(v),
                                       expected: "a number >= 0")
    }
    return v
}
