import Foundation
import NimbusKernelTestKit
import Testing

@Suite struct SecurityGroupTests {
    @Test func eachProjectGetsOneDefaultGroupWithNeutronsRules() async throws {
        try await withHarness(try await NetworkHarness.start()) { h in
            // Listed twice at once: still one default group.
            async let a = h.request("GET", "/v2.0/security-groups", token: "alice")
            async let b = h.request("GET", "/v2.0/security-groups", token: "alice")
            _ = try await (a, b)
            let groups = try await h.request("GET", "/v2.0/security-groups", token: "alice").list("security_groups")
            #expect(groups.count == 1)
            let g = try #require(groups.first)
            let id = try #require(g["id"] as? String)
            #expect(g["name"] as? String == "default")
            #expect(g["tenant_id"] as? String == "p-demo")
            let rules = g["security_group_rules"] as? [[String: Any]] ?? []
            let summary = Set(rules.map { "\($0["direction"] as? String ?? "") \($0["ethertype"] as? String ?? "") "
                + "\(($0["remote_group_id"] as? String) == id ? "self" : "any")" })
            #expect(summary == ["egress IPv4 any", "egress IPv6 any", "ingress IPv4 self", "ingress IPv6 self"])
            #expect(rules.allSatisfy { $0["protocol"] is NSNull && $0["remote_ip_prefix"] is NSNull })
            // Bob's project has its own; he cannot see alice's.
            let bobs = try await h.request("GET", "/v2.0/security-groups", token: "bob").list("security_groups")
            #expect(bobs.count == 1 && bobs.first?["id"] as? String != id)
            #expect(try await h.request("GET", "/v2.0/security-groups/\(id)", token: "bob").status == 404)
            let del = try await h.request("DELETE", "/v2.0/security-groups/\(id)", token: "alice")
            #expect(del.status == 409)
            #expect(del.neutronError?.0 == "SecurityGroupCannotRemoveDefault")
            let dup = try await h.request("POST", "/v2.0/security-groups", json: ["security_group": ["name": "default"]],
                                          token: "alice")
            #expect(dup.neutronError?.0 == "SecurityGroupDefaultAlreadyExists")
        }
    }

    @Test func groupAndRuleLifecycleAsTheCLIDrivesIt() async throws {
        try await withHarness(try await NetworkHarness.start()) { h in
            let g = try await h.request("POST", "/v2.0/security-groups", json: ["security_group": ["name": "web", "description": "w"]],
                                        token: "alice")
            #expect(g.status == 201)
            let gid = try #require(g.object("security_group")["id"] as? String)
            #expect((g.object("security_group")["security_group_rules"] as? [Any])?.count == 2)  // egress v4, v6
            // `openstack security group rule create --protocol tcp --dst-port 22 web`
            let body: [String: Any] = ["security_group_rule": ["security_group_id": gid, "direction": "ingress",
                                                               "ethertype": "IPv4", "protocol": "tcp", "port_range_min": 22,
                                                               "port_range_max": 22, "remote_ip_prefix": "0.0.0.0/0"]]
            let r = try await h.request("POST", "/v2.0/security-group-rules", json: body, token: "alice")
            #expect(r.status == 201)
            let rid = try #require(r.object("security_group_rule")["id"] as? String)
            #expect(r.object("security_group_rule")["port_range_min"] as? Int == 22)
            let again = try await h.request("POST", "/v2.0/security-group-rules", json: body, token: "alice")
            #expect(again.status == 409)
            #expect(again.neutronError?.0 == "SecurityGroupRuleExists")
            #expect(again.neutronError?.1 == "Security group rule already exists. Rule id is \(rid).")
            let listed = try await h.request("GET", "/v2.0/security-group-rules?security_group_id=\(gid)&direction=ingress",
                                             token: "alice")
            #expect(listed.list("security_group_rules").compactMap { $0["id"] as? String } == [rid])
            #expect(try await h.request("DELETE", "/v2.0/security-group-rules/\(rid)", token: "bob").status == 404)
            #expect(try await h.request("DELETE", "/v2.0/security-group-rules/\(rid)", token: "alice").status == 204)
            #expect(try await h.request("GET", "/v2.0/security-group-rules/\(rid)", token: "alice").neutronError?.0
                == "SecurityGroupRuleNotFound")

            // A port using the group keeps it from being deleted.
            let (net, _) = try await h.networkWithSubnet("10.8.0.0/24", token: "alice")
            let port = try await h.create("port", ["network_id": net, "security_groups": [gid]], token: "alice")
            let inUse = try await h.request("DELETE", "/v2.0/security-groups/\(gid)", token: "alice")
            #expect(inUse.neutronError?.0 == "SecurityGroupInUse")
            #expect(try await h.request("DELETE", "/v2.0/ports/\(port)", token: "alice").status == 204)
            #expect(try await h.request("DELETE", "/v2.0/security-groups/\(gid)", token: "alice").status == 204)
            let unknown = try await h.request("POST", "/v2.0/ports", json: ["port": ["network_id": net, "security_groups": ["nope"]]],
                                              token: "alice")
            #expect(unknown.neutronError?.0 == "SecurityGroupNotFound")
        }
    }

    @Test func invalidRulesAreRefused() async throws {
        try await withHarness(try await NetworkHarness.start()) { h in
            let gid = try await h.create("security_group", ["name": "x"], token: "alice", collection: "security-groups")
            let cases: [([String: Any], String)] = [
                (["direction": "sideways"], "HTTPBadRequest"),
                (["direction": "ingress", "protocol": "bogus"], "SecurityGroupRuleInvalidProtocol"),
                (["direction": "ingress", "port_range_min": 22], "SecurityGroupProtocolRequiredWithPorts"),
                (["direction": "ingress", "protocol": "tcp", "port_range_min": 90, "port_range_max": 80], "SecurityGroupInvalidPortRange"),
                (["direction": "ingress", "protocol": "tcp", "port_range_min": 70000, "port_range_max": 70001], "HTTPBadRequest"),
                (["direction": "ingress", "ethertype": "IPv6", "remote_ip_prefix": "10.0.0.0/8"], "SecurityGroupConflictingEthertype"),
                (["direction": "ingress", "remote_ip_prefix": "10.0.0.0/8", "remote_group_id": gid],
                 "SecurityGroupRemoteGroupAndRemoteIpPrefix"),
            ]
            for (fields, type) in cases {
                let r = try await h.request("POST", "/v2.0/security-group-rules",
                                            json: ["security_group_rule": fields.merging(["security_group_id": gid]) { $1 }],
                                            token: "alice")
                #expect(r.status == 400, "\(fields)")
                #expect(r.neutronError?.0 == type, "\(fields): \(String(decoding: r.raw, as: UTF8.self))")
            }
        }
    }
}
