import Foundation
import NimbusKernel

/// Counts (key, value) image properties the request shares with instances already on the host, optionally
/// weighted per key by `image_props_weight_setting` (`key=ratio`); off by default (image_props.py).
public struct ImagePropertiesWeigher: HostWeigher {
    public static let name = "ImagePropertiesWeigher"
    public static let configOptions: [ConfigOption] = [
        weight.declaration, setting.declaration,
    ]
    static let weight = TypedOption<Double>("filter_scheduler", "image_props_weight_multiplier", default: 0.0)
    static let setting = TypedOption<[String]?>("filter_scheduler", "image_props_weight_setting")

    public let multiplier: Double
    public var multiplierOption: String { "image_props_weight_multiplier" }
    let setting: [String: Double]

    public init(context: PluginContext) throws {
        multiplier = try Self.weight.read(context.config)
        var s: [String: Double] = [:]
        for item in Self.setting.read(context.config) ?? [] {
            let parts = item.split(separator: "=").map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, let r = Double(parts[1]) { s[parts[0]] = r }
        }
        setting = s
    }

    public func applies(to spec: RequestSpec) -> Bool { !spec.imageProperties.isEmpty }

    public func weigh(_ host: HostState, _ spec: RequestSpec) -> Double {
        guard !spec.imageProperties.isEmpty else { return 0 }
        var weight = 0.0
        for props in host.instanceImageProperties {
            for (key, value) in spec.imageProperties where props[key] == value {
                // With a setting, only the listed keys count, each by its ratio.
                weight += setting.isEmpty ? 1 : setting[key] ?? 0
            }
        }
        return weight
    }
}
