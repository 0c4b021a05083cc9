import Foundation
import MetadataDocuments
import NimbusStore
import Testing
@testable import NimbusMetadata

/// `[api] metadata_cache_expiration`: answers come from the cache until it expires; 0 disables it; the
/// cache has a bound.
@Suite struct MetadataCacheTests {
    @Test func cachedAnswersUntilExpiryAndNoneWhenDisabled() async throws {
        for ttl in [3600, 0] {
            let h = try await MetadataHarness.start(MetadataSettings(cacheExpiration: ttl))
            let uuid = try await h.instance("c", ip: "127.0.0.1", meta: ["v": "1"])
            #expect(try await h.get("/openstack/latest/meta_data.json").json["meta"] as? [String: String] == ["v": "1"])
            _ = try await h.store.updateServer(uuid, metadata: ["v": "2"])
            let after = try await h.get("/openstack/latest/meta_data.json").json["meta"] as? [String: String]
            #expect(after == (ttl == 0 ? ["v": "2"] : ["v": "1"]))
            await h.stop()
        }
    }

    @Test func theCacheIsBounded() {
        let cache = MetadataCache(seconds: 3600, capacity: 8)
        let s = MetadataSource(uuid: UUID(), name: "n", hostname: "n", projectID: "p", availabilityZone: nil)
        for i in 0..<100 { cache.put("metadata-10.0.0.\(i)", s) }
        #expect(cache.count <= 8)
        #expect(cache.get("metadata-10.0.0.99") != nil)  // the newest entry is kept
    }
}
