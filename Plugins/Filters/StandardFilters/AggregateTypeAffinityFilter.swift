import Foundation
import NimbusKernel

/// Aggregate key `instance_type` (a comma list of flavor names) must name the flavor, unless no aggregate
/// of the host sets it (type_filter.py).
public struct AggregateTypeAffinityFilter: HostFilter {
    public static let name = "AggregateTypeAffinityFilter"
    public init(context: PluginContext) throws {}
    public var runOncePerRequest: Bool { true }

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        let values = AggregateMetadata.values(host, "instance_type")
        if values.isEmpty { return .pass }
        let named = values.contains { v in
            v.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == spec.flavor.name }
        }
        return named ? .pass : .reject("aggregate instance_type excludes the flavor")
    }
}
