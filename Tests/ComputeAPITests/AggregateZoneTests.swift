import Foundation
import NimbusTestCloud
import NimbusKernelTestKit
import Testing

@Suite(.serialized) struct AggregateZoneTests {
    /// `openstack aggregate set --zone` (PUT) and `--property availability_zone=` (set_metadata) moved hosts
    /// running servers to another zone; Nova refuses with 400 while a host of the aggregate has instances.
    @Test func zoneOfHostsWithServersCannotChange() async throws {
        try await withHarness(try await Cloud.start(hosts: 1)) { cloud in
            let agg = try await cloud.call("POST", "/v2.1/os-aggregates", ["aggregate": ["name": "a1", "availability_zone": "az1"]])
            let aid = try #require((agg["aggregate"] as? [String: Any])?["id"] as? Int)
            let host = try #require(((try await cloud.call("GET", "/v2.1/os-services?binary=nova-compute")["services"]
                as? [[String: Any]])?.first?["host"]) as? String)
            #expect(try await cloud.call("POST", "/v2.1/os-aggregates/\(aid)/action", ["add_host": ["host": host]]).status == 200)
            // No servers yet: the zone may change.
            #expect(try await cloud.call("PUT", "/v2.1/os-aggregates/\(aid)", ["aggregate": ["availability_zone": "az2"]]).status == 200)
            let id = try await cloud.boot("vm", extra: ["availability_zone": "az2"])[0]

            let put = try await cloud.call("PUT", "/v2.1/os-aggregates/\(aid)", ["aggregate": ["availability_zone": "az3"]])
            #expect(put.status == 400 && put.message == "Cannot update aggregate \(aid). Reason: One or more hosts contain instances in this zone.",
                    "\(put.status) \(put.body)")
            let meta = try await cloud.call("POST", "/v2.1/os-aggregates/\(aid)/action",
                                            ["set_metadata": ["metadata": ["availability_zone": "az3"]]])
            #expect(meta.status == 400 && meta.message.hasSuffix("One or more hosts contain instances in this zone."))
            // The same zone, a rename, and other metadata stay allowed.
            #expect(try await cloud.call("PUT", "/v2.1/os-aggregates/\(aid)", ["aggregate": ["availability_zone": "az2", "name": "a2"]]).status == 200)
            #expect(try await cloud.call("POST", "/v2.1/os-aggregates/\(aid)/action", ["set_metadata": ["metadata": ["ssd": "true"]]]).status == 200)
            #expect(try await cloud.server(id)["OS-EXT-AZ:availability_zone"] as? String == "az2")

            // Once the server is gone the zone may change again.
            #expect(try await cloud.call("DELETE", "/v2.1/servers/\(id)").status == 204)
            try await cloud.waitUntil("\(id) is deleted") { try await cloud.call("GET", "/v2.1/servers/\(id)").status == 404 }
            #expect(try await cloud.call("PUT", "/v2.1/os-aggregates/\(aid)", ["aggregate": ["availability_zone": "az3"]]).status == 200)
        }
    }
}
