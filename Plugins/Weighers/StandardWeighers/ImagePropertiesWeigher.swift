import Foundation
import NimbusKernel

/// Counts (key, value) image properties the request shares with instances already on the host, optionally
/// weighted per key by `image_props_weight_setting` (`key=ratio`); off by default (image_props.py).
public struct ImagePropertiesWeigher: HostWeigher {
    public static let name = "ImagePropertiesWeigher"
    public static let configOptions: [ConfigOption] = [
        .init("filter_scheduler", "image_props_weight_multiplier", .float, default: "0.0"),
        .init("filter_scheduler", "image_props_weight_setting", .list),
    ]

    public let multiplier: Double
    public var multiplierOption: String { "image_props_weight_multiplier" }
    let setting: [String: Double]

    public init(context: PluginContext) throws {
        multiplier = try context.config.double("filter_scheduler", "image_props_weight_multiplier", default: 0.0)
        var s: [String: Double] = [:]
        for item in context.config.list("filter_scheduler", "image_props_weight_setting") ?? [] {
            let parts = item.split(separator: "=").map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, let r = Double(parts[1]) { s[parts[0]] = r }
        }
        setting = s
    }

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
