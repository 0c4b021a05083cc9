import Foundation
import NimbusKernel

/// Hosts in aggregates with `filter_tenant_id*` keys take only the listed projects
/// (aggregate_multitenancy_isolation.py).
public struct AggregateMultiTenancyIsolation: HostFilter {
    public static let name = "AggregateMultiTenancyIsolation"
    public init(context: PluginContext) throws {}
    public var runOncePerRequest: Bool { true }

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        let allowed = AggregateMetadata.byKey(host).filter { $0.key.hasPrefix("filter_tenant_id") }
            .values.reduce(into: Set<String>()) { $0.formUnion($1) }
        return allowed.isEmpty || allowed.contains(spec.projectID)
            ? .pass : .reject("aggregate isolated to other projects")
    }
}
