import Foundation
import NimbusKernel

/// The host reports every metric named in `[metrics] weight_setting` (metrics_filter.py).
public struct MetricsFilter: HostFilter {
    public static let name = "MetricsFilter"
    public static let configOptions: [ConfigOption] = [
        CoreOptions.metricsWeightSetting.declaration,
    ]
    let keys: [String]

    public init(context: PluginContext) throws {
        keys = (CoreOptions.metricsWeightSetting.read(context.config) ?? []).compactMap { item in
            item.split(separator: "=").first.map { String($0).trimmingCharacters(in: .whitespaces) }
        }.filter { !$0.isEmpty }
    }

    public var runOncePerRequest: Bool { true }

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        keys.allSatisfy { host.metrics[$0] != nil } ? .pass : .reject("required metrics not reported")
    }
}
