import Foundation
import NimbusTestCloud
import NimbusKernelTestKit
import Testing

@Suite(.serialized) struct RequestedDestinationTests {
    /// `openstack server create --host / --hypervisor-hostname` (2.74): an unknown host or node is Nova's 400
    /// before anything is created (it was accepted and ended in ERROR), and a requested node is honoured.
    @Test func hostAndNodeAreValidatedAndHonoured() async throws {
        try await withHarness(try await Cloud.start(hosts: 2)) { cloud in
            func create(_ name: String, _ extra: [String: Any]) async throws -> Answer {
                var server: [String: Any] = ["name": name, "imageRef": "cirros", "flavorRef": "1", "networks": "none"]
                server.merge(extra) { _, new in new }
                return try await cloud.call("POST", "/v2.1/servers", ["server": server], version: "2.74")
            }
            let nodes = (try await cloud.call("GET", "/v2.1/os-hypervisors/detail", version: "2.74")["hypervisors"]
                as? [[String: Any]] ?? []).compactMap { n -> (node: String, host: String)? in
                    guard let node = n["hypervisor_hostname"] as? String,
                          let host = (n["service"] as? [String: Any])?["host"] as? String else { return nil }
                    return (node, host)
                }
            try #require(nodes.count == 2)

            for (extra, missing) in [(["host": "nohost"], "nohost"), (["hypervisor_hostname": "nonode"], "nonode"),
                                     (["host": nodes[0].host, "hypervisor_hostname": nodes[1].node], nodes[0].host)] {
                let r = try await create("bad", extra)
                #expect(r.status == 400 && r["badRequest"] != nil, "\(extra): \(r.status) \(r.body)")
                #expect(r.message == "Compute host \(missing) could not be found.", "\(extra)")
            }
            let none = try await cloud.call("GET", "/v2.1/servers", version: "2.74")
            #expect((none["servers"] as? [Any])?.isEmpty == true)

            // Each node in turn, so landing there by chance cannot pass the test.
            for n in nodes {
                let r = try await create("on-\(n.host)", ["hypervisor_hostname": n.node])
                let id = try #require((r["server"] as? [String: Any])?["id"] as? String, "\(r.body)")
                try await cloud.waitUntil("\(id) leaves BUILD") { try await cloud.status(id) != "BUILD" }
                let s = try await cloud.server(id)
                #expect(s["status"] as? String == "ACTIVE" && s["OS-EXT-SRV-ATTR:host"] as? String == n.host, "\(s)")
            }
        }
    }
}
