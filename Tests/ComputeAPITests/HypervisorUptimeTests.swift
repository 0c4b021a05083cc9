import Foundation
import NimbusTestCloud
import NimbusKernelTestKit
import Testing

/// Admin answers checked against Nova 34 (issue 10): flavor extra spec update (200) and hypervisor uptime.
@Suite struct HypervisorUptimeTests {
    @Test func extraSpecUpdateIs200AndUptimeFollowsTheDriver() async throws {
        try await withHarness(try await Cloud.start(hosts: 1)) { cloud in
            let put = try await cloud.call("PUT", "/v2.1/flavors/1/os-extra_specs/hw:cpu_policy",
                                           ["hw:cpu_policy": "dedicated"], version: "2.100")
            #expect(put.status == 200 && put["hw:cpu_policy"] as? String == "dedicated", "\(put.status) \(put.body)")

            let list = try await cloud.call("GET", "/v2.1/os-hypervisors", version: "2.87")
            let id = try #require((list["hypervisors"] as? [[String: Any]])?.first?["id"] as? String)
            // Nova's fake driver has no get_host_uptime: NotImplementedError → 501 on the uptime API…
            let up = try await cloud.call("GET", "/v2.1/os-hypervisors/\(id)/uptime", version: "2.87")
            #expect(up.status == 501 && up["notImplemented"] != nil, "\(up.status) \(up.body)")
            #expect(up.message == "The requested functionality is not supported.")
            let badID = try await cloud.call("GET", "/v2.1/os-hypervisors/not-a-uuid/uptime", version: "2.87")
            #expect(badID.status == 400 && badID.message == "Invalid uuid not-a-uuid")
            let missing = try await cloud.call("GET", "/v2.1/os-hypervisors/\(UUID().uuidString.lowercased())/uptime",
                                               version: "2.87")
            #expect(missing.status == 404)
            #expect(try await cloud.call("GET", "/v2.1/os-hypervisors/\(id)/uptime", version: "2.88").status == 404)
            // … and uptime null in the 2.88 show view.
            let show = try await cloud.call("GET", "/v2.1/os-hypervisors/\(id)", version: "2.88")
            let h = try #require(show["hypervisor"] as? [String: Any])
            #expect(h.keys.contains("uptime") && h["uptime"] is NSNull)
        }
    }
}
