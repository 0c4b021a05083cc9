import Foundation
import NimbusKernel
import Synchronization

/// Decoded `instances.flavor` columns by their JSON text, shared by every listing of this process. The column
/// is an instance's flavor snapshot: the same text always decodes to the same flavor, so nothing goes stale.
/// A small listing paid a JSONDecoder per request for its one or two flavors (about 2 % of a 1-server
/// `GET /servers/detail`).
enum FlavorColumnCache {
    private static let decoded = Mutex<[String: Flavor]>([:])
    /// A cloud has a few dozen flavors; past this many distinct texts the cache starts over.
    static let limit = 1024

    static func flavor(_ json: String) throws -> Flavor {
        if let f = decoded.withLock({ $0[json] }) { return f }
        let f = try JSONColumn.decode(Flavor.self, json)
        decoded.withLock {
            if $0.count >= limit { $0.removeAll(keepingCapacity: true) }
            $0[json] = f
        }
        return f
    }
}
