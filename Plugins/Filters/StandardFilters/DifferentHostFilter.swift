import Foundation
import NimbusKernel

/// Hint `different_host`: none of the listed instances runs on the host (affinity_filter.py).
public struct DifferentHostFilter: HostFilter {
    public static let name = "DifferentHostFilter"
    public init(context: PluginContext) throws {}
    public var runOncePerRequest: Bool { true }

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        guard let uuids = spec.schedulerHints["different_host"], !uuids.isEmpty else { return .pass }
        let runs = uuids.contains { UUID(uuidString: $0).map(host.instanceUUIDs.contains) ?? false }
        return runs ? .reject("runs an instance named in different_host") : .pass
    }
}
