import Foundation
import NimbusKernelTestKit
import NimbusStore
import Testing

@Suite struct PortTests {
    @Test func portCreateShowsNeutronFieldsAndBindingIsAdminOnly() async throws {
        try await withHarness(try await NetworkHarness.start()) { h in
            let (net, sub) = try await h.networkWithSubnet("10.3.0.0/24", token: "alice")
            let r = try await h.request("POST", "/v2.0/ports", json: ["port": ["name": "p1", "network_id": net,
                                                                                "admin_state_up": true]], token: "alice")
            #expect(r.status == 201)
            let p = r.object("port")
            let id = try #require(p["id"] as? String)
            #expect(p["fixed_ips"] as? [[String: String]] == [["subnet_id": sub, "ip_address": "10.3.0.2"]])
            let mac = try #require(p["mac_address"] as? String)
            #expect(mac.hasPrefix("fa:16:3e:") && mac.count == 17)
            #expect(p["status"] as? String == "DOWN")
            #expect(p["device_id"] as? String == "")
            #expect(p["binding:host_id"] == nil)  // a member does not see bindings
            #expect((p["security_groups"] as? [String])?.count == 1)

            // Nova's admin update at build: device, owner and host binding; the port is then ACTIVE.
            let bind = try await h.request("PUT", "/v2.0/ports/\(id)", json: ["port": [
                "device_id": "0e9b7a1c-0000-4000-8000-000000000001", "device_owner": "compute:nova", "binding:host_id": "cmp1"]])
            #expect(bind.status == 200)
            let bound = bind.object("port")
            #expect(bound["binding:host_id"] as? String == "cmp1")
            #expect(bound["binding:vif_type"] as? String == "tap")
            #expect(bound["status"] as? String == "ACTIVE")
            let denied = try await h.request("PUT", "/v2.0/ports/\(id)", json: ["port": ["binding:host_id": "cmp2"]], token: "alice")
            #expect(denied.status == 403)
            #expect(denied.neutronError?.0 == "PolicyNotAuthorized")

            // The filters Nova and OSC use.
            let byDevice = try await h.request("GET", "/v2.0/ports?device_id=0e9b7a1c-0000-4000-8000-000000000001&fields=id&fields=mac_address",
                                               token: "alice")
            #expect(byDevice.list("ports").map { Set($0.keys) } == [["id", "mac_address"]])
            let byIP = try await h.request("GET", "/v2.0/ports?network_id=\(net)&fixed_ips=ip_address%3D10.3.0.2", token: "alice")
            #expect(byIP.list("ports").count == 1)
            #expect(try await h.request("GET", "/v2.0/ports?fixed_ips=ip_address%3D10.3.0.9", token: "alice").list("ports").isEmpty)
            #expect(try await h.request("GET", "/v2.0/ports/\(id)", token: "bob").status == 404)
            #expect(try await h.request("DELETE", "/v2.0/ports/\(id)", token: "alice").status == 204)
            #expect(try await h.request("GET", "/v2.0/ports/\(id)", token: "alice").neutronError?.0 == "PortNotFound")
        }
    }

    @Test func explicitAddressesAndTheirErrors() async throws {
        try await withHarness(try await NetworkHarness.start()) { h in
            let (net, sub) = try await h.networkWithSubnet("10.4.0.0/24", token: "alice")
            let p = try await h.request("POST", "/v2.0/ports", json: ["port": ["network_id": net, "fixed_ips": [["ip_address": "10.4.0.9"]]]],
                                        token: "alice")
            #expect((p.object("port")["fixed_ips"] as? [[String: String]])?.first?["ip_address"] == "10.4.0.9")
            let taken = try await h.request("POST", "/v2.0/ports", json: ["port": ["network_id": net, "fixed_ips": [["ip_address": "10.4.0.9"]]]],
                                            token: "alice")
            #expect(taken.status == 409)
            #expect(taken.neutronError?.0 == "IpAddressAlreadyAllocated")
            for ip in ["10.5.0.9", "10.4.0.255", "10.4.0.0"] {
                let bad = try await h.request("POST", "/v2.0/ports", json: ["port": ["network_id": net, "fixed_ips": [["ip_address": ip]]]],
                                              token: "alice")
                #expect(bad.status == 400, "\(ip)")
                #expect(bad.neutronError?.0 == "InvalidIpForNetwork", "\(ip)")
            }
            let bySubnet = try await h.request("POST", "/v2.0/ports", json: ["port": ["network_id": net, "fixed_ips": [["subnet_id": sub]]]],
                                               token: "alice")
            #expect((bySubnet.object("port")["fixed_ips"] as? [[String: String]])?.first?["ip_address"] == "10.4.0.2")
            let mac = try await h.request("POST", "/v2.0/ports", json: ["port": ["network_id": net, "mac_address": "FA:16:3E:00:00:01"]],
                                          token: "alice")
            #expect(mac.object("port")["mac_address"] as? String == "fa:16:3e:00:00:01")
            let macAgain = try await h.request("POST", "/v2.0/ports", json: ["port": ["network_id": net, "mac_address": "fa:16:3e:00:00:01"]],
                                               token: "alice")
            #expect(macAgain.neutronError?.0 == "MacAddressInUse")
            // Others may put ports on a shared network, but not pick its addresses.
            let (shared, _) = try await h.networkWithSubnet("10.6.0.0/24", network: ["shared": true])
            #expect(try await h.request("POST", "/v2.0/ports", json: ["port": ["network_id": shared]], token: "bob").status == 201)
            let pick = try await h.request("POST", "/v2.0/ports", json: ["port": ["network_id": shared, "fixed_ips": [["ip_address": "10.6.0.50"]]]],
                                           token: "bob")
            #expect(pick.status == 403)
            #expect(try await h.request("POST", "/v2.0/ports", json: ["port": ["network_id": net]], token: "bob").status == 404)
        }
    }

    /// 200 creations at once on a /24 whose pool holds 150 addresses: 150 distinct addresses, then Neutron's
    /// IpAddressGenerationFailure for the rest; deleting a port frees its address for the next one.
    @Test func concurrentPortCreationsGetDistinctAddressesUntilThePoolIsExhausted() async throws {
        try await withHarness(try await NetworkHarness.start()) { h in
            let (net, _) = try await h.networkWithSubnet("10.7.0.0/24", extra: [
                "allocation_pools": [["start": "10.7.0.10", "end": "10.7.0.159"]]])
            // (status, Neutron error type and message, address, port id) of each answer.
            typealias Outcome = (status: Int, type: String?, message: String?, ip: String?, id: String?)
            let results = try await withThrowingTaskGroup(of: Outcome.self) { group in
                for _ in 0..<200 {
                    group.addTask {
                        let r = try await h.request("POST", "/v2.0/ports", json: ["port": ["network_id": net]])
                        let port = r.object("port")
                        return (r.status, r.neutronError?.0, r.neutronError?.1,
                                (port["fixed_ips"] as? [[String: String]])?.first?["ip_address"], port["id"] as? String)
                    }
                }
                var out: [Outcome] = []
                for try await r in group { out.append(r) }
                return out
            }
            let created = results.filter { $0.status == 201 }
            let refused = results.filter { $0.status != 201 }
            let addresses = created.compactMap(\.ip)
            #expect(created.count == 150)
            #expect(addresses.count == 150)
            #expect(Set(addresses).count == 150)
            #expect(Set(addresses) == Set((10...159).map { "10.7.0.\($0)" }))
            #expect(refused.count == 50)
            #expect(refused.allSatisfy { $0.status == 409 && $0.type == "IpAddressGenerationFailure" })
            #expect(refused.first?.message == "No more IP addresses available on network \(net).")
            // The store agrees: one allocation row per address, no duplicates.
            let stored = try await h.store.ports(visibleTo: nil).flatMap(\.fixedIPs).map(\.ipAddress)
            #expect(stored.count == 150 && Set(stored).count == 150)

            let victimID = try #require(created.first { $0.ip == "10.7.0.77" }?.id)
            #expect(try await h.request("DELETE", "/v2.0/ports/\(victimID)").status == 204)
            let again = try await h.request("POST", "/v2.0/ports", json: ["port": ["network_id": net]])
            #expect((again.object("port")["fixed_ips"] as? [[String: String]])?.first?["ip_address"] == "10.7.0.77")
            #expect(try await h.request("POST", "/v2.0/ports", json: ["port": ["network_id": net]]).status == 409)
        }
    }
}
