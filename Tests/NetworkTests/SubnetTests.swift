import Foundation
import NimbusKernelTestKit
import Testing

@Suite struct SubnetTests {
    @Test func ipv4DefaultsFollowNeutron() async throws {
        try await withHarness(try await NetworkHarness.start()) { h in
            let net = try await h.create("network", ["name": "n"])
            // What `openstack subnet create --network n --subnet-range 10.0.0.0/24 s` sends.
            let r = try await h.request("POST", "/v2.0/subnets", json: ["subnet": ["name": "s", "ip_version": 4,
                                                                                    "cidr": "10.0.0.0/24", "network_id": net]])
            #expect(r.status == 201)
            let s = r.object("subnet")
            #expect(s["gateway_ip"] as? String == "10.0.0.1")
            #expect(s["enable_dhcp"] as? Bool == true)
            #expect(s["allocation_pools"] as? [[String: String]] == [["start": "10.0.0.2", "end": "10.0.0.254"]])
            #expect(s["dns_nameservers"] as? [String] == [])
            #expect(s["ip_version"] as? Int == 4)
        }
    }

    @Test func ipv6GatewayPoolsAndDNS() async throws {
        try await withHarness(try await NetworkHarness.start()) { h in
            let net = try await h.create("network", ["name": "n"])
            let r = try await h.request("POST", "/v2.0/subnets", json: ["subnet": [
                "ip_version": 6, "cidr": "fd00:0:0:1::/64", "network_id": net, "gateway_ip": "fd00:0:0:1::ff",
                "dns_nameservers": ["2001:4860:4860:0:0:0:0:8888"], "enable_dhcp": false]])
            #expect(r.status == 201)
            let s = r.object("subnet")
            #expect(s["cidr"] as? String == "fd00:0:0:1::/64")
            #expect(s["gateway_ip"] as? String == "fd00:0:0:1::ff")
            #expect(s["allocation_pools"] as? [[String: String]] == [
                ["start": "fd00:0:0:1::1", "end": "fd00:0:0:1::fe"],
                ["start": "fd00:0:0:1::100", "end": "fd00::1:ffff:ffff:ffff:ffff"],  // RFC 5952: the longest zero run is compressed
            ])
            #expect(s["dns_nameservers"] as? [String] == ["2001:4860:4860::8888"])
            #expect(s["enable_dhcp"] as? Bool == false)
            // A port on it gets the pool's first free address, far from the end of a /64.
            let port = try await h.request("POST", "/v2.0/ports", json: ["port": ["network_id": net]])
            #expect((port.object("port")["fixed_ips"] as? [[String: String]])?.first?["ip_address"] == "fd00:0:0:1::1")
        }
    }

    @Test func noGatewayAndExplicitPools() async throws {
        try await withHarness(try await NetworkHarness.start()) { h in
            let net = try await h.create("network", ["name": "n"])
            let r = try await h.request("POST", "/v2.0/subnets", json: ["subnet": [
                "ip_version": 4, "cidr": "192.168.5.0/24", "network_id": net, "gateway_ip": NSNull(),
                "allocation_pools": [["start": "192.168.5.10", "end": "192.168.5.20"], ["start": "192.168.5.100", "end": "192.168.5.100"]],
            ]])
            #expect(r.status == 201)
            #expect(r.object("subnet")["gateway_ip"] is NSNull)
            #expect((r.object("subnet")["allocation_pools"] as? [Any])?.count == 2)
        }
    }

    @Test func invalidSubnetsAreRefusedWithNeutronTypes() async throws {
        try await withHarness(try await NetworkHarness.start()) { h in
            let net = try await h.create("network", ["name": "n"])
            _ = try await h.create("subnet", ["network_id": net, "cidr": "10.0.0.0/16", "ip_version": 4])
            let cases: [([String: Any], Int, String)] = [
                (["cidr": "10.9.0.1/24", "ip_version": 4], 400, "HTTPBadRequest"),
                (["cidr": "not-a-cidr", "ip_version": 4], 400, "HTTPBadRequest"),
                (["cidr": "fd00::/64", "ip_version": 4], 400, "InvalidInput"),
                (["cidr": "10.0.5.0/24", "ip_version": 4], 400, "InvalidInput"),  // overlaps 10.0.0.0/16
                (["cidr": "10.9.0.0/24", "ip_version": 4, "gateway_ip": "10.8.0.1"], 400, "InvalidInput"),
                (["cidr": "10.9.0.0/24", "ip_version": 4, "allocation_pools": [["start": "10.9.0.1", "end": "10.9.0.9"]]],
                 409, "GatewayConflictWithAllocationPools"),
                (["cidr": "10.9.0.0/24", "ip_version": 4, "allocation_pools": [["start": "10.9.0.200", "end": "10.9.1.9"]]],
                 400, "OutOfBoundsAllocationPool"),
                (["cidr": "10.9.0.0/24", "ip_version": 4, "allocation_pools": [
                    ["start": "10.9.0.10", "end": "10.9.0.20"], ["start": "10.9.0.15", "end": "10.9.0.30"]]],
                 409, "OverlappingAllocationPools"),
                (["cidr": "10.9.0.0/24", "ip_version": 4, "dns_nameservers": ["1.1.1.1", "1.1.1.1"]], 400, "HTTPBadRequest"),
                (["cidr": "10.9.0.0/24", "ip_version": 4, "dns_nameservers": (1...6).map { "1.1.1.\($0)" }], 400, "HTTPBadRequest"),
                (["cidr": "10.9.0.0/31", "ip_version": 4], 400, "HTTPBadRequest"),
            ]
            for (fields, status, type) in cases {
                let r = try await h.request("POST", "/v2.0/subnets", json: ["subnet": fields.merging(["network_id": net]) { $1 }])
                #expect(r.status == status, "\(fields)")
                #expect(r.neutronError?.0 == type, "\(fields): \(String(decoding: r.raw, as: UTF8.self))")
            }
            #expect(try await h.request("GET", "/v2.0/subnets").list("subnets").count == 1)
            let missing = try await h.request("POST", "/v2.0/subnets", json: ["subnet": ["network_id": "nope", "cidr": "10.0.0.0/24"]])
            #expect(missing.neutronError?.0 == "NetworkNotFound")
        }
    }

    @Test func onlyTheNetworkOwnerAddsSubnetsAndSharedSubnetsAreVisible() async throws {
        try await withHarness(try await NetworkHarness.start()) { h in
            let (shared, sub) = try await h.networkWithSubnet("10.50.0.0/24", network: ["shared": true])
            let r = try await h.request("POST", "/v2.0/subnets", json: ["subnet": ["network_id": shared, "cidr": "10.51.0.0/24"]],
                                        token: "bob")
            #expect(r.status == 403)
            #expect(try await h.request("GET", "/v2.0/subnets/\(sub)", token: "bob").status == 200)
            let (_, privateSub) = try await h.networkWithSubnet("10.60.0.0/24", token: "alice")
            #expect(try await h.request("GET", "/v2.0/subnets/\(privateSub)", token: "bob").status == 404)
            #expect(try await h.request("GET", "/v2.0/subnets", token: "bob").list("subnets").compactMap { $0["id"] as? String }
                == [sub])
        }
    }

    @Test func aSubnetWithPortsIsInUse() async throws {
        try await withHarness(try await NetworkHarness.start()) { h in
            let (net, sub) = try await h.networkWithSubnet("10.2.0.0/24")
            let port = try await h.create("port", ["network_id": net])
            let del = try await h.request("DELETE", "/v2.0/subnets/\(sub)")
            #expect(del.status == 409)
            #expect(del.neutronError?.0 == "SubnetInUse")
            let netDel = try await h.request("DELETE", "/v2.0/networks/\(net)")
            #expect(netDel.status == 409)
            #expect(netDel.neutronError?.0 == "NetworkInUse")
            #expect(try await h.request("DELETE", "/v2.0/ports/\(port)").status == 204)
            #expect(try await h.request("DELETE", "/v2.0/subnets/\(sub)").status == 204)
        }
    }
}
