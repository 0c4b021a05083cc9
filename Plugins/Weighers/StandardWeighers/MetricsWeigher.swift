import Foundation
import NimbusKernel

/// Σ metric × ratio over `[metrics] weight_setting`; a missing metric weighs `weight_of_unavailable`
/// (metrics.py). Nova raises when `required` is true; a weigher here cannot fail a request, so a host missing a
/// required metric gets `weight_of_unavailable` too (MetricsFilter is the way to exclude it).
public struct MetricsWeigher: HostWeigher {
    public static let name = "MetricsWeigher"
    public static let configOptions: [ConfigOption] = [
        weight.declaration, required.declaration, weightOfUnavailable.declaration,
    ]
    static let weight = TypedOption<Double>("metrics", "weight_multiplier", default: 1.0)
    static let required = TypedOption<Bool>("metrics", "required", default: true,
                                            help: "A host missing a metric weighs weight_of_unavailable either way.")
    static let weightOfUnavailable = TypedOption<Double>("metrics", "weight_of_unavailable", default: -10000.0)

    public let multiplier: Double
    public var multiplierOption: String { "metrics_weight_multiplier" }
    let setting: [(name: String, ratio: Double)]
    let unavailable: Double

    public init(context: PluginContext) throws {
        let c = context.config
        multiplier = try Self.weight.read(c)
        unavailable = try Self.weightOfUnavailable.read(c)
        setting = try (CoreOptions.metricsWeightSetting.read(c) ?? []).map { item in
            let parts = item.split(separator: "=").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let ratio = Double(parts[1]) else {
                throw ConfigError.invalidValue(source: c.source("metrics", "weight_setting"), section: "metrics",
                                               option: "weight_setting", value: item, expected: "name=ratio")
            }
            return (parts[0], ratio)
        }
    }

    /// No metric configured: every host weighs 0.
    public func applies(to spec: RequestSpec) -> Bool { !setting.isEmpty }

    public func weigh(_ host: HostState, _ spec: RequestSpec) -> Double {
        var total = 0.0
        for (name, ratio) in setting {
            guard let v = host.metrics[name] else { return unavailable }
            total += v * ratio
        }
        return total
    }
}
