import Foundation
import NimbusKernel

/// Nova's `aggregate_metadata_get_by_host` / `aggregate_values_from_key` (nova/scheduler/utils.py).
enum AggregateMetadata {
    /// key → every value any of the host's aggregates sets (comma lists split and trimmed).
    static func byKey(_ host: HostState) -> [String: Set<String>] {
        var out: [String: Set<String>] = [:]
        for a in host.aggregates {
            for (k, v) in a.metadata {
                out[k, default: []].formUnion(v.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            }
        }
        return out
    }

    /// Raw values of one key over the host's aggregates.
    static func values(_ host: HostState, _ key: String) -> [String] { host.aggregates.compactMap { $0.metadata[key] } }

    /// `validate_num_values`: the minimum of the parsable values, else the configured default.
    static func minInt(_ host: HostState, _ key: String, default def: Int) -> Int {
        values(host, key).compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.min() ?? def
    }
}
