import Foundation
import NimbusKernel

/// Each flavor extra spec that is unscoped or scoped `aggregate_instance_extra_specs:` must match some value of
/// the same key in the host's aggregates; a key no aggregate sets fails (aggregate_instance_extra_specs.py).
public struct AggregateInstanceExtraSpecsFilter: HostFilter {
    public static let name = "AggregateInstanceExtraSpecsFilter"
    static let scope = "aggregate_instance_extra_specs"
    public init(context: PluginContext) throws {}
    public var runOncePerRequest: Bool { true }

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        guard !spec.flavor.extraSpecs.isEmpty else { return .pass }
        let metadata = AggregateMetadata.byKey(host)
        for (key, req) in spec.flavor.extraSpecs.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: ":", maxSplits: 1).map(String.init)
            if parts.count > 1 && parts[0] != Self.scope { continue }
            let name = parts.count > 1 ? parts[1] : parts[0]
            guard let values = metadata[name], !values.isEmpty else {
                return .reject("no aggregate sets a key the flavor requires")
            }
            if !values.contains(where: { ExtraSpecOps.match($0, req) }) {
                return .reject("aggregate metadata does not satisfy the flavor's extra specs")
            }
        }
        return .pass
    }
}
