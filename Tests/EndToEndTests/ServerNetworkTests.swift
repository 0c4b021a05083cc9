import Foundation
import NimbusTestCloud
import NimbusKernelTestKit
import NimbusDaemons
import NimbusKernel
import Testing

/// Nova's side of networking against the built-in Networking API, over HTTP on both sides: ports made and
/// bound at build, `addresses` and `/ips`, Nova's errors for bad `networks`, ports released on delete.
@Suite(.serialized) struct ServerNetworkTests {
    /// The network API's base URL and an admin token from the built-in identity.
    static func neutron(_ cloud: TestCloud) async throws -> (String, String) {
        let identityPort = await cloud.aio.identityImage.port("identity")
        let networkPort = await cloud.aio.identityImage.port("network")
        let auth = #"{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "domain": {"name": "Default"}, "password": "nimbus"}}}, "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}"#
        let login = try await TestHTTP.send("POST", "http://127.0.0.1:\(identityPort)/v3/auth/tokens", body: Data(auth.utf8),
                                            headers: ["Content-Type": "application/json"])
        return ("http://127.0.0.1:\(networkPort)/v2.0", try #require(login.header("X-Subject-Token")))
    }

    static func post(_ url: String, _ token: String, _ body: [String: Any]) async throws -> [String: Any] {
        let r = try await TestHTTP.send("POST", url, body: try JSONSerialization.data(withJSONObject: body),
                                        headers: ["X-Auth-Token": token, "Content-Type": "application/json"])
        guard r.status == 201 else { throw TestFailure("POST \(url): \(r.status) \(String(decoding: r.raw, as: UTF8.self))") }
        return r.body.values.first as? [String: Any] ?? [:]
    }

    @Test func bootOnANetworkShowsItsAddressAndDeleteFreesThePort() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 1)) { cloud in
            let (neutron, token) = try await Self.neutron(cloud)
            let net = try #require(try await Self.post(neutron + "/networks", token, ["network": ["name": "net1"]])["id"] as? String)
            _ = try await Self.post(neutron + "/subnets", token, ["subnet": ["network_id": net, "cidr": "10.20.0.0/24", "ip_version": 4]])

            let ids = try await cloud.boot("vm", extra: ["networks": [["uuid": net]]])
            let id = try #require(ids.first)
            #expect(try await cloud.status(id) == "ACTIVE")
            let server = try await cloud.server(id)
            let addrs = (server["addresses"] as? [String: [[String: Any]]])?["net1"] ?? []
            #expect(addrs.count == 1)
            #expect(addrs.first?["addr"] as? String == "10.20.0.2")
            #expect(addrs.first?["version"] as? Int == 4)
            #expect(addrs.first?["OS-EXT-IPS:type"] as? String == "fixed")
            let mac = try #require(addrs.first?["OS-EXT-IPS-MAC:mac_addr"] as? String)

            // The port Neutron holds: this server's, bound to its host, ACTIVE, the same MAC.
            let ports = try await TestHTTP.send("GET", neutron + "/ports?device_id=\(id)", headers: ["X-Auth-Token": token])
            let port = try #require((ports.body["ports"] as? [[String: Any]])?.first)
            #expect(port["mac_address"] as? String == mac)
            #expect(port["device_owner"] as? String == "compute:nova")
            #expect(port["binding:host_id"] as? String == server["OS-EXT-SRV-ATTR:host"] as? String)
            #expect(port["status"] as? String == "ACTIVE")

            let ips = try await cloud.call("GET", "/v2.1/servers/\(id)/ips")
            #expect(((ips.body["addresses"] as? [String: [[String: Any]]])?["net1"])?.first?["addr"] as? String == "10.20.0.2")
            #expect(try await cloud.call("GET", "/v2.1/servers/\(id)/ips/net1").status == 200)
            #expect(try await cloud.call("GET", "/v2.1/servers/\(id)/ips/other").status == 404)
            let detail = try await cloud.call("GET", "/v2.1/servers/detail", version: "2.100")
            let listed = (detail.body["servers"] as? [[String: Any]])?.first { $0["id"] as? String == id }
            #expect((listed?["addresses"] as? [String: Any])?["net1"] != nil)

            // The ip / ip6 list filters search the addresses.
            func named(_ query: String) async throws -> [String] {
                ((try await cloud.call("GET", "/v2.1/servers?\(query)").body["servers"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
            }
            #expect(try await named("ip=10%5C.20%5C.0%5C.2$") == [id])
            #expect(try await named("ip=10.99").isEmpty)
            #expect(try await named("ip6=.").isEmpty)

            // os-interface lists what Neutron holds for the server.
            let ifaces = try await cloud.call("GET", "/v2.1/servers/\(id)/os-interface", version: "2.70")
            let att = try #require((ifaces.body["interfaceAttachments"] as? [[String: Any]])?.first)
            #expect(att["port_id"] as? String == port["id"] as? String)
            #expect(att["net_id"] as? String == net && att["mac_addr"] as? String == mac && att["port_state"] as? String == "ACTIVE")
            #expect((att["fixed_ips"] as? [[String: Any]])?.first?["ip_address"] as? String == "10.20.0.2")
            let one = try await cloud.call("GET", "/v2.1/servers/\(id)/os-interface/\(port["id"] as? String ?? "")")
            #expect(one.status == 200)
            #expect(try await cloud.call("GET", "/v2.1/servers/\(id)/os-interface/\(UUID().uuidString)").status == 404)
            let attach = try await cloud.call("POST", "/v2.1/servers/\(id)/os-interface", ["interfaceAttachment": ["net_id": net]])
            #expect(attach.status == 400)

            // A second server asking for the first one's address: Nova's 400, nothing created.
            let taken = try await cloud.call("POST", "/v2.1/servers", ["server": ["name": "dup", "imageRef": "cirros", "flavorRef": "1",
                                                                                  "networks": [["uuid": net, "fixed_ip": "10.20.0.2"]]]],
                                             version: "2.100")
            #expect(taken.status == 400)
            #expect(taken.message == "Fixed IP address 10.20.0.2 is already in use on instance \(id).")

            #expect(try await cloud.call("DELETE", "/v2.1/servers/\(id)").status == 204)
            try await cloud.waitUntil("the port is gone") {
                let left = try await TestHTTP.send("GET", neutron + "/ports?network_id=\(net)", headers: ["X-Auth-Token": token])
                return (left.body["ports"] as? [Any])?.isEmpty == true
            }
        }
    }

    @Test func novaErrorsForNetworksItCannotUse() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 1)) { cloud in
            let (neutron, token) = try await Self.neutron(cloud)
            let bare = try #require(try await Self.post(neutron + "/networks", token, ["network": ["name": "bare"]])["id"] as? String)
            func create(_ networks: Any) async throws -> HTTPAnswer {
                try await cloud.call("POST", "/v2.1/servers", ["server": ["name": "x", "imageRef": "cirros", "flavorRef": "1",
                                                                          "networks": networks]], version: "2.100")
            }
            let unknown = UUID().uuidString.lowercased()
            let missing = try await create([["uuid": unknown]])
            #expect(missing.status == 400 && missing.message == "Network \(unknown) could not be found.")
            let noSubnet = try await create([["uuid": bare]])
            #expect(noSubnet.status == 400 && noSubnet.message == "Network \(bare) requires a subnet in order to boot instances on.")
            let auto = try await create("auto")
            #expect(auto.status == 400)  // no network to pick and nothing to auto-allocate from
            // (Networks of another project that are not shared are not the server's to pick.) Two shared ones are.
            for name in ["s1", "s2"] { _ = try await Self.post(neutron + "/networks", token, ["network": ["name": name, "shared": true]]) }
            let ambiguous = try await create("auto")
            #expect(ambiguous.status == 409)
            #expect(ambiguous.message == "Multiple possible networks found, use a Network ID to be more specific.")

            // A port already used by another device: 409.
            _ = try await Self.post(neutron + "/subnets", token, ["subnet": ["network_id": bare, "cidr": "10.30.0.0/24"]])
            let used = try #require(try await Self.post(neutron + "/ports", token, ["port": ["network_id": bare, "device_id": "elsewhere"]])["id"]
                as? String)
            let inUse = try await create([["port": used]])
            #expect(inUse.status == 409 && inUse.message == "Port \(used) is still in use.")
            // `none` and a list given as a string stay as before.
            #expect(try await create("some").status == 400)
            let servers = try await cloud.call("GET", "/v2.1/servers")
            #expect((servers.body["servers"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func securityGroupsByNameGoOnThePortsAndUnknownOnesAre400() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 1)) { cloud in
            let (neutron, token) = try await Self.neutron(cloud)
            let net = try #require(try await Self.post(neutron + "/networks", token, ["network": ["name": "sgnet", "shared": true]])["id"]
                as? String)
            _ = try await Self.post(neutron + "/subnets", token, ["subnet": ["network_id": net, "cidr": "10.50.0.0/24"]])
            // The server's project under noauth2 is "admin"; its groups live there.
            let web = try #require(try await Self.post(neutron + "/security-groups", token,
                                                       ["security_group": ["name": "web", "project_id": "admin"]])["id"] as? String)
            let unknown = try await cloud.call("POST", "/v2.1/servers", ["server": [
                "name": "x", "imageRef": "cirros", "flavorRef": "1", "networks": [["uuid": net]],
                "security_groups": [["name": "nope"]]]], version: "2.100")
            #expect(unknown.status == 400 && unknown.message == "Security group nope not found.")
            let id = try #require(try await cloud.boot("sg", extra: ["networks": [["uuid": net]],
                                                                     "security_groups": [["name": "web"], ["name": "default"]]]).first)
            let ports = try await TestHTTP.send("GET", neutron + "/ports?device_id=\(id)", headers: ["X-Auth-Token": token])
            let groups = ((ports.body["ports"] as? [[String: Any]])?.first?["security_groups"] as? [String]) ?? []
            #expect(groups.count == 2 && groups.contains(web))
        }
    }

    /// Two servers, one free address: the second port fails with IpAddressGenerationFailure, so both servers
    /// go to ERROR with Nova's fault and the port made for the first is deleted again.
    @Test func anAllocationFailureErrorsTheServersAndLeavesNoPorts() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 1)) { cloud in
            let (neutron, token) = try await Self.neutron(cloud)
            let net = try #require(try await Self.post(neutron + "/networks", token, ["network": ["name": "tiny"]])["id"] as? String)
            _ = try await Self.post(neutron + "/subnets", token, ["subnet": [
                "network_id": net, "cidr": "10.60.0.0/24", "allocation_pools": [["start": "10.60.0.5", "end": "10.60.0.5"]]]])
            let r = try await cloud.call("POST", "/v2.1/servers", ["server": [
                "name": "pair", "imageRef": "cirros", "flavorRef": "1", "networks": [["uuid": net]], "min_count": 2, "max_count": 2]],
                                         version: "2.100")
            #expect(r.status == 202)
            let listed = try await cloud.call("GET", "/v2.1/servers/detail", version: "2.100")
            let servers = listed.body["servers"] as? [[String: Any]] ?? []
            #expect(servers.count == 2)
            for s in servers {
                #expect(s["status"] as? String == "ERROR")
                let fault = (s["fault"] as? [String: Any])?["message"] as? String ?? ""
                #expect(fault.contains("failed to allocate the network(s)") && fault.contains("IpAddressGenerationFailure"))
            }
            let left = try await TestHTTP.send("GET", neutron + "/ports?network_id=\(net)", headers: ["X-Auth-Token": token])
            #expect((left.body["ports"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func aUserPortIsUsedAndKeptWhenTheServerGoes() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 1)) { cloud in
            let (neutron, token) = try await Self.neutron(cloud)
            let net = try #require(try await Self.post(neutron + "/networks", token, ["network": ["name": "pnet"]])["id"] as? String)
            _ = try await Self.post(neutron + "/subnets", token, ["subnet": ["network_id": net, "cidr": "10.40.0.0/24"]])
            let port = try await Self.post(neutron + "/ports", token, ["port": ["network_id": net, "fixed_ips": [["ip_address": "10.40.0.40"]]]])
            let portID = try #require(port["id"] as? String)
            let id = try #require(try await cloud.boot("withport", extra: ["networks": [["port": portID]]]).first)
            let addrs = ((try await cloud.server(id))["addresses"] as? [String: [[String: Any]]])?["pnet"] ?? []
            #expect(addrs.first?["addr"] as? String == "10.40.0.40")
            #expect(try await cloud.call("DELETE", "/v2.1/servers/\(id)").status == 204)
            try await cloud.waitUntil("the port is released") {
                let p = try await TestHTTP.send("GET", neutron + "/ports/\(portID)", headers: ["X-Auth-Token": token])
                return p.status == 200 && (p.body["port"] as? [String: Any])?["device_id"] as? String == ""
            }
        }
    }
}
