import Foundation
import Logging
import NimbusKernel
import NimbusKernelTestKit

func context(_ overrides: [String: String] = [:]) throws -> PluginContext {
    PluginContext(config: try NimbusConfig(overrides: overrides), logger: Logger(label: "test"))
}

/// One row of a filter table: a host, a request, the expected verdict.
struct FilterCase: CustomStringConvertible, Sendable {
    var name: String
    var host: HostState
    var spec: RequestSpec
    var passes: Bool
    var description: String { name }
}

func agg(_ metadata: [String: String], id: Int = 1) -> AggregateInfo {
    AggregateInfo(id: id, name: "agg\(id)", metadata: metadata)
}

func check(_ filter: some HostFilter, _ c: FilterCase) throws -> Bool {
    try filter.filter(c.host, c.spec).passed == c.passes
}
