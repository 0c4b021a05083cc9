import Foundation
import NimbusKernel

/// Hint `same_host`: at least one of the listed instances runs on the host (affinity_filter.py).
public struct SameHostFilter: HostFilter {
    public static let name = "SameHostFilter"
    public init(context: PluginContext) throws {}
    public var runOncePerRequest: Bool { true }

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        guard let uuids = spec.schedulerHints["same_host"], !uuids.isEmpty else { return .pass }
        let runs = uuids.contains { UUID(uuidString: $0).map(host.instanceUUIDs.contains) ?? false }
        return runs ? .pass : .reject("runs none of the instances named in same_host")
    }
}
