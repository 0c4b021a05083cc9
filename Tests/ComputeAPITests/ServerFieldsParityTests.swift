import Foundation
import NimbusTestCloud
import NimbusKernelTestKit
import Testing

/// Server fields whose answers used to differ from Nova 34's (issue 10): the access IPs and the update view.
@Suite struct ServerFieldsParityTests {
    @Test func accessIPsAreValidatedStoredAndShownByEveryWriter() async throws {
        try await withHarness(try await Cloud.start(hosts: 1)) { cloud in
            let bad = try await cloud.call("POST", "/v2.1/servers", ["server": [
                "name": "x", "imageRef": "cirros", "flavorRef": "1", "networks": "none", "accessIPv4": "999.1.1.1"]],
                version: "2.100")
            #expect(bad.status == 400)
            #expect(bad.message == "Invalid input for field/attribute accessIPv4. Value: 999.1.1.1. '999.1.1.1' is not a 'ipv4'")
            let id = try await cloud.boot("ips", extra: ["accessIPv4": "10.1.2.3", "accessIPv6": "2001:DB8::1"])[0]
            let shown = try await cloud.server(id)
            #expect(shown["accessIPv4"] as? String == "10.1.2.3")
            #expect(shown["accessIPv6"] as? String == "2001:db8::1")
            // The listing's bytes are written by the other writer (JSONObjectWriter).
            let detail = try await cloud.call("GET", "/v2.1/servers/detail", version: "2.100")
            let listed = (detail["servers"] as? [[String: Any]])?.first { $0["id"] as? String == id }
            #expect(listed?["accessIPv4"] as? String == "10.1.2.3")
            #expect(listed?["accessIPv6"] as? String == "2001:db8::1")

            let put = try await cloud.call("PUT", "/v2.1/servers/\(id)", ["server": ["accessIPv4": "192.0.2.7"]],
                                           version: "2.100")
            #expect(put.status == 200)
            #expect((put["server"] as? [String: Any])?["accessIPv4"] as? String == "192.0.2.7")
            #expect(try await cloud.server(id)["accessIPv4"] as? String == "192.0.2.7")
            #expect(try await cloud.server(id)["accessIPv6"] as? String == "2001:db8::1")
            let badPut = try await cloud.call("PUT", "/v2.1/servers/\(id)", ["server": ["accessIPv6": "2001:db8::g"]],
                                              version: "2.100")
            #expect(badPut.status == 400)
            #expect(badPut.message == "Invalid input for field/attribute accessIPv6. Value: 2001:db8::g. '2001:db8::g' is not a 'ipv6'")
            let leadingZero = try await cloud.call("PUT", "/v2.1/servers/\(id)", ["server": ["accessIPv4": "01.2.3.4"]])
            #expect(leadingZero.status == 400)
        }
    }

    @Test func updateAnswersNovasReducedViewBelow275() async throws {
        try await withHarness(try await Cloud.start(hosts: 1)) { cloud in
            let id = try await cloud.boot("upd")[0]
            let reduced = ["OS-EXT-AZ:availability_zone", "config_drive", "key_name", "OS-SRV-USG:launched_at",
                           "OS-SRV-USG:terminated_at", "security_groups", "OS-EXT-STS:vm_state", "OS-EXT-STS:task_state",
                           "OS-EXT-STS:power_state", "os-extended-volumes:volumes_attached", "OS-EXT-SRV-ATTR:host",
                           "OS-EXT-SRV-ATTR:hypervisor_hostname", "OS-EXT-SRV-ATTR:instance_name", "host_status",
                           "OS-EXT-SRV-ATTR:hostname"]
            let old = try await cloud.call("PUT", "/v2.1/servers/\(id)", ["server": ["name": "upd2"]], version: "2.74")
            let s = try #require(old["server"] as? [String: Any])
            #expect(old.status == 200)
            for k in reduced { #expect(s[k] == nil, "\(k) is not in Nova's update view at 2.74") }
            for k in ["id", "name", "status", "accessIPv4", "accessIPv6", "addresses", "flavor", "image", "hostId",
                      "metadata", "links", "locked", "locked_reason", "description", "tags", "server_groups",
                      "trusted_image_certificates", "OS-DCF:diskConfig", "created", "updated", "tenant_id", "user_id"] {
                #expect(s[k] != nil, "\(k) is in Nova's update view at 2.74")
            }
            #expect(s["name"] as? String == "upd2")
            let full = try await cloud.call("PUT", "/v2.1/servers/\(id)", ["server": ["name": "upd3"]], version: "2.75")
            let f = try #require(full["server"] as? [String: Any])
            for k in reduced { #expect(f[k] != nil, "\(k) at 2.75") }
        }
    }
}
