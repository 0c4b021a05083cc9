import Foundation
import NimbusTestCloud
import NimbusKernelTestKit
import Testing

@Suite(.serialized) struct APIBasicsTests {
    @Test func versionsErrorsAndHeaders() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 1)) { cloud in
            let (status, root) = try await cloud.get("/")
            #expect(status == 200)
            let versions = root["versions"] as? [[String: Any]] ?? []
            #expect(versions.map { $0["id"] as? String } == ["v2.0", "v2.1"])

            let (s406, body406) = try await cloud.request("GET", "/v2.1/servers", headers: ["OpenStack-API-Version": "compute 9.9"])
            #expect(s406 == 406)
            #expect(body406["computeFault"] != nil)
            let (s400, _) = try await cloud.request("GET", "/v2.1/servers", headers: ["OpenStack-API-Version": "compute two"])
            #expect(s400 == 400)

            let (bad, badBody) = try await cloud.request("POST", "/v2.1/servers", Data("{not json".utf8))
            #expect(bad == 400)
            #expect(badBody["badRequest"] != nil)
            let (missing, _) = try await cloud.request("POST", "/v2.1/servers", ["server": ["name": "x"]])
            #expect(missing == 400)
            let (noFlavor, nf) = try await cloud.request("POST", "/v2.1/servers",
                                                         ["server": ["name": "x", "imageRef": "i", "flavorRef": "nope"]])
            #expect(noFlavor == 400)
            #expect(((nf["badRequest"] as? [String: Any])?["message"] as? String)?.contains("nope") == true)
            #expect((try await cloud.get("/v2.1/servers").1["servers"] as? [Any])?.isEmpty == true)  // nothing half-created

            let (dup, _) = try await cloud.request("POST", "/v2.1/flavors",
                                                   ["flavor": ["name": "m1.tiny", "ram": 1, "vcpus": 1, "disk": 0]])
            #expect(dup == 409)
        }
    }

    @Test func listingPagesWithMarkers() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 2)) { cloud in
            let ids = try await cloud.boot("page", flavor: "1", count: 5)
            _ = try await cloud.settle(ids)
            let (_, first) = try await cloud.get("/v2.1/servers?limit=2")
            let page = first["servers"] as? [[String: Any]] ?? []
            #expect(page.count == 2)
            let next = ((first["servers_links"] as? [[String: Any]])?.first?["href"] as? String) ?? ""
            #expect(next.contains("marker="))
            let marker = page.last?["id"] as? String ?? ""
            let (_, second) = try await cloud.get("/v2.1/servers?limit=10&marker=\(marker)")
            let rest = second["servers"] as? [[String: Any]] ?? []
            #expect(rest.count == 3)
            #expect(Set((page + rest).compactMap { $0["id"] as? String }) == Set(ids))
            #expect(second["servers_links"] == nil)
        }
    }
}
