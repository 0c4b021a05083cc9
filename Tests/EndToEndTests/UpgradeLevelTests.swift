import Foundation
import NimbusTestCloud
import NimbusKernelTestKit
import NimbusDaemons
import NimbusStore
import Testing

/// `[upgrade_levels]` on a whole cloud: pins that the running code satisfies still build and act on servers;
/// a pin older than a method the API needs refuses before anything is sent, saying why.
@Suite(.serialized) struct UpgradeLevelEndToEndTests {
    @Test func aCloudPinnedToComputeSixZeroStillBuildsAndStopsServers() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 2, ["upgrade_levels.compute": "6.0",
                                                         "upgrade_levels.scheduler": "4.5",
                                                         "upgrade_levels.conductor": "3.0",
                                                         "upgrade_levels.compute_task": "1.19"])) { cloud in
            let ids = try await cloud.boot("pinned", flavor: "1", count: 2)
            #expect(try await cloud.settle(ids).values.allSatisfy { $0 == "ACTIVE" })
            let (status, _) = try await cloud.request("POST", "/v2.1/servers/\(ids[0])/action", ["os-stop": NSNull()])
            #expect(status == 202)
            try await cloud.waitUntil("the pinned stop lands") { try await cloud.server(ids[0])["status"] as? String == "SHUTOFF" }
        }
    }

    @Test func aPinOlderThanScheduleAndBuildFailsFastAndSaysWhy() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 1, ["upgrade_levels.compute_task": "1.15"])) { cloud in
            let (status, body) = try await cloud.request("POST", "/v2.1/servers", ["server": [
                "name": "too-new", "imageRef": "cirros", "flavorRef": "1"]])
            #expect(status == 503)
            let message = ((body.values.first as? [String: Any])?["message"] as? String) ?? ""
            #expect(message.contains("needs compute_task RPC API 1.16"))
            #expect(message.contains("[upgrade_levels] compute_task pins 1.15"))
            // Refused before anything is created: no ERROR servers left behind.
            #expect(try await cloud.store.instances().isEmpty)
        }
    }
}
