import Foundation
import NimbusTestCloud
import NimbusKernelTestKit
import Hummingbird
@testable import NimbusAPI
import NimbusKernel
import Testing

@testable import NimbusDaemons

@Suite(.serialized) struct MicroversionTests {
    @Test func negotiationHeadersAndRange() async throws {
        try await withHarness(try await Cloud.start(hosts: 1)) { cloud in
            let root = try await cloud.call("GET", "/")
            let versions = root["versions"] as? [[String: Any]] ?? []
            #expect(versions.map { $0["id"] as? String } == ["v2.0", "v2.1"])
            #expect(versions.last?["version"] as? String == "2.100")
            let doc = try await cloud.call("GET", "/v2.1")
            #expect((doc["version"] as? [String: Any])?["version"] as? String == "2.100")

            let r = try await cloud.call("GET", "/v2.1/flavors", version: "2.61")
            #expect(r.headers["openstack-api-version"] == "compute 2.61")
            #expect(r.headers["x-openstack-nova-api-version"] == "2.61")
            #expect(r.headers["vary"]?.contains("OpenStack-API-Version") == true)
            let legacy = try await cloud.call("GET", "/v2.1/flavors", headers: ["X-OpenStack-Nova-API-Version": "2.53"])
            #expect(legacy.headers["openstack-api-version"] == "compute 2.53")
            let latest = try await cloud.call("GET", "/v2.1/flavors", version: "latest")
            #expect(latest.headers["x-openstack-nova-api-version"] == "2.100")
            let none = try await cloud.call("GET", "/v2.1/flavors")
            #expect(none.headers["x-openstack-nova-api-version"] == "2.1")
            for bad in ["2.101", "3.0", "2.0"] {
                let r = try await cloud.call("GET", "/v2.1/flavors", version: bad)
                #expect(r.status == 406)
                #expect(r["computeFault"] != nil)
            }
            #expect(try await cloud.call("GET", "/v2.1/flavors", version: "two").status == 400)
            // os-hosts exists up to 2.42 only; statistics up to 2.87.
            #expect(try await cloud.call("GET", "/v2.1/os-hosts", version: "2.42").status == 200)
            #expect(try await cloud.call("GET", "/v2.1/os-hosts", version: "2.43").status == 404)
            #expect(try await cloud.call("GET", "/v2.1/os-hypervisors/statistics", version: "2.87").status == 200)
            #expect(try await cloud.call("GET", "/v2.1/os-hypervisors/statistics", version: "2.88").status == 404)
            // /v2 answers too, without microversions; the project-id prefix form routes the same.
            #expect(try await cloud.call("GET", "/v2/flavors").status == 200)
            #expect(try await cloud.call("GET", "/v2.1/0123456789abcdef0123456789abcdef/flavors").status == 200)
            #expect(try await cloud.call("GET", "/v2.1/os-agents").status == 410)
        }
    }

    @Test func shapesPerMicroversion() async throws {
        try await withHarness(try await Cloud.start(hosts: 1)) { cloud in
            // flavors: swap "" before 2.75, 0 after; extra_specs from 2.61; description 2.55
            let f21 = try await cloud.call("GET", "/v2.1/flavors/1", version: "2.1")["flavor"] as? [String: Any] ?? [:]
            #expect(f21["swap"] as? String == "")
            #expect(f21["extra_specs"] == nil && f21["description"] == nil)
            let f75 = try await cloud.call("GET", "/v2.1/flavors/1", version: "2.75")["flavor"] as? [String: Any] ?? [:]
            #expect(f75["swap"] as? Int == 0)
            #expect(f75["extra_specs"] != nil && f75.keys.contains("description"))
            // services: integer ids before 2.53, UUIDs after; forced_down from 2.11
            let s1 = (try await cloud.call("GET", "/v2.1/os-services", version: "2.1")["services"] as? [[String: Any]]) ?? []
            #expect(s1.first?["id"] is Int && s1.first?["forced_down"] == nil)
            let s69 = (try await cloud.call("GET", "/v2.1/os-services", version: "2.69")["services"] as? [[String: Any]]) ?? []
            #expect((s69.first?["id"] as? String).flatMap(UUID.init(uuidString:)) != nil)
            #expect(s69.first?["forced_down"] as? Bool == false)
            // hypervisors: usage fields gone at 2.88
            let h1 = (try await cloud.call("GET", "/v2.1/os-hypervisors/detail", version: "2.1")["hypervisors"] as? [[String: Any]]) ?? []
            #expect(h1.first?["vcpus"] as? Int == 8 && h1.first?["cpu_info"] is String)
            let h88 = (try await cloud.call("GET", "/v2.1/os-hypervisors/detail", version: "2.88")["hypervisors"] as? [[String: Any]]) ?? []
            #expect(h88.first?["vcpus"] == nil && h88.first?.keys.contains("uptime") == true)
            let id = h88.first?["id"] as? String ?? ""
            #expect(try await cloud.call("GET", "/v2.1/os-hypervisors/\(id)", version: "2.88").status == 200)
            // servers: embedded flavor from 2.47, the 2.100 fields
            let ids = try await cloud.boot("shape")
            let old = try await cloud.server(ids[0], version: "2.1")
            #expect((old["flavor"] as? [String: Any])?["id"] as? String == "1")
            #expect(old["locked"] == nil && old["tags"] == nil)
            let new = try await cloud.server(ids[0])
            let flavor = new["flavor"] as? [String: Any] ?? [:]
            #expect(flavor["original_name"] as? String == "m1.tiny" && flavor["id"] == nil)
            for key in ["locked", "locked_reason", "description", "tags", "server_groups", "pinned_availability_zone",
                        "scheduler_hints", "trusted_image_certificates", "host_status", "OS-EXT-SRV-ATTR:hostname"] {
                #expect(new.keys.contains(key), "missing \(key)")
            }
            #expect(new["status"] as? String == "ACTIVE")
        }
    }
}

@Suite(.serialized) struct ServerTests {
    @Test func lifecycleActionsMetadataTags() async throws {
        try await withHarness(try await Cloud.start(hosts: 2)) { cloud in
            let id = try await cloud.boot("life", extra: ["metadata": ["a": "1"], "description": "d"])[0]
            let action = "/v2.1/servers/\(id)/action"
            // wrong state → 409 with Nova's message
            let bad = try await cloud.call("POST", action, ["os-start": NSNull()], version: "2.100")
            #expect(bad.status == 409)
            #expect(bad.message == "Cannot 'start' instance \(id) while it is in vm_state active")
            #expect(try await cloud.call("POST", action, ["os-stop": NSNull()], version: "2.100").status == 202)
            try await cloud.waitFor(id, status: "SHUTOFF")
            #expect(try await cloud.call("POST", action, ["os-start": NSNull()], version: "2.100").status == 202)
            try await cloud.waitFor(id, status: "ACTIVE")
            #expect(try await cloud.call("POST", action, ["reboot": ["type": "HARD"]], version: "2.100").status == 202)
            try await cloud.waitFor(id, status: "ACTIVE")
            for (a, s) in [("pause", "PAUSED"), ("unpause", "ACTIVE"), ("suspend", "SUSPENDED"), ("resume", "ACTIVE")] {
                #expect(try await cloud.call("POST", action, [a: NSNull()], version: "2.100").status == 202)
                try await cloud.waitFor(id, status: s)
            }
            let console = try await cloud.call("POST", action, ["os-getConsoleOutput": ["length": 5]], version: "2.100")
            #expect(console.status == 200 && console["output"] is String)
            #expect(try await cloud.call("POST", action, ["frobnicate": NSNull()]).message == "There is no such action: frobnicate")
            // lock with a reason (2.73); locked shows in the server
            #expect(try await cloud.call("POST", action, ["lock": ["locked_reason": "maint"]], version: "2.73").status == 202)
            let locked = try await cloud.server(id)
            #expect(locked["locked"] as? Bool == true && locked["locked_reason"] as? String == "maint")
            #expect(try await cloud.call("POST", action, ["unlock": NSNull()], version: "2.100").status == 202)
            // metadata
            let meta = try await cloud.call("POST", "/v2.1/servers/\(id)/metadata", ["metadata": ["b": "2"]])
            #expect((meta["metadata"] as? [String: String]) == ["a": "1", "b": "2"])
            #expect(try await cloud.call("GET", "/v2.1/servers/\(id)/metadata/b")["meta"] as? [String: String] == ["b": "2"])
            #expect(try await cloud.call("DELETE", "/v2.1/servers/\(id)/metadata/b").status == 204)
            #expect(try await cloud.call("GET", "/v2.1/servers/\(id)/metadata/b").status == 404)
            // tags (2.26+)
            #expect(try await cloud.call("PUT", "/v2.1/servers/\(id)/tags/blue", version: "2.26").status == 201)
            #expect(try await cloud.call("GET", "/v2.1/servers/\(id)/tags/blue", version: "2.26").status == 204)
            #expect(try await cloud.call("GET", "/v2.1/servers/\(id)/tags", version: "2.25").status == 404)
            let tagged = try await cloud.call("GET", "/v2.1/servers/detail?tags=blue", version: "2.26")
            #expect((tagged["servers"] as? [[String: Any]])?.count == 1)
            // update, ips, actions with events
            let upd = try await cloud.call("PUT", "/v2.1/servers/\(id)", ["server": ["name": "renamed"]], version: "2.100")
            #expect((upd["server"] as? [String: Any])?["name"] as? String == "renamed")
            #expect(try await cloud.call("GET", "/v2.1/servers/\(id)/ips")["addresses"] as? [String: Any] != nil)
            let actions = try await cloud.call("GET", "/v2.1/servers/\(id)/os-instance-actions", version: "2.84")
            let list = actions["instanceActions"] as? [[String: Any]] ?? []
            #expect(Set(list.compactMap { $0["action"] as? String }).isSuperset(of: ["create", "stop", "start", "reboot"]))
            let create = list.first { $0["action"] as? String == "create" }?["request_id"] as? String ?? ""
            let detail = try await cloud.call("GET", "/v2.1/servers/\(id)/os-instance-actions/\(create)", version: "2.84")
            #expect(((detail["instanceAction"] as? [String: Any])?["events"] as? [Any])?.isEmpty == false)
            // delete
            #expect(try await cloud.call("DELETE", "/v2.1/servers/\(id)").status == 204)
            try await cloud.waitUntil("server gone") { try await cloud.call("GET", "/v2.1/servers/\(id)").status == 404 }
        }
    }

    @Test func listFiltersPagingSortAndMultiCreate() async throws {
        try await withHarness(try await Cloud.start(hosts: 2)) { cloud in
            let ids = try await cloud.boot("multi", count: 3)
            _ = try await cloud.boot("other")
            let byName = try await cloud.call("GET", "/v2.1/servers?name=multi", version: "2.100")
            #expect((byName["servers"] as? [[String: Any]])?.count == 3)
            let page = try await cloud.call("GET", "/v2.1/servers/detail?limit=2&sort_key=display_name&sort_dir=asc", version: "2.100")
            let names = (page["servers"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(names == ["multi-1", "multi-2"])
            #expect(page["servers_links"] != nil)
            let active = try await cloud.call("GET", "/v2.1/servers?status=ACTIVE", version: "2.100")
            #expect((active["servers"] as? [[String: Any]])?.count == 4)
            #expect(try await cloud.call("GET", "/v2.1/servers?marker=nope").status == 400)
            #expect(try await cloud.call("GET", "/v2.1/servers?bogus=1", version: "2.75").status == 400)
            #expect(try await cloud.call("GET", "/v2.1/servers?bogus=1", version: "2.74").status == 200)
            #expect(try await cloud.call("GET", "/v2.1/servers/detail?all_tenants=1", version: "2.100").status == 200)
            #expect(Set(ids).count == 3)
        }
    }

    @Test func badInputIsRejectedWholly() async throws {
        try await withHarness(try await Cloud.start(hosts: 1)) { cloud in
            let base: [String: Any] = ["name": "x", "imageRef": "i", "flavorRef": "1", "networks": "none"]
            func create(_ server: [String: Any], _ v: String = "2.100") async throws -> Answer {
                try await cloud.call("POST", "/v2.1/servers", ["server": server], version: v)
            }
            #expect(try await cloud.call("POST", "/v2.1/servers", Data("{not json".utf8)).status == 400)
            let missing = try await create(["name": "x", "flavorRef": "1"])
            #expect(missing.status == 400 && missing.message.contains("networks"))
            #expect(try await create(["name": "x", "flavorRef": "1", "imageRef": "i"], "2.36").status == 202)
            // No image and no volume: nothing to boot from (Nova's InvalidBDMBootSequence), at any microversion.
            let bootless = try await create(["name": "x", "flavorRef": "1"], "2.36")
            #expect(bootless.status == 400 && bootless.message.contains("Boot sequence"))
            #expect(try await create(base.merging(["imageRef": ""]) { _, n in n }).status == 400)
            let wrong = try await create(base.merging(["min_count": "lots"]) { _, n in n })
            #expect(wrong.status == 400 && wrong.message.contains("min_count"))
            let unknown = try await create(base.merging(["colour": "red"]) { _, n in n })
            #expect(unknown.status == 400 && unknown.message.contains("colour"))
            let badNet = try await create(base.merging(["networks": "some"]) { _, n in n })
            #expect(badNet.status == 400 && badNet.message.contains("networks"))
            #expect(try await create(base.merging(["key_name": "nokey"]) { _, n in n }).status == 400)
            let huge = try await create(base.merging(["user_data": String(repeating: "A", count: 200_000)]) { _, n in n })
            #expect(huge.status == 413)
            let flavorBad = try await cloud.call("POST", "/v2.1/flavors", ["flavor": ["name": "f", "ram": -1, "vcpus": 1, "disk": 0]])
            #expect(flavorBad.status == 400 && flavorBad.message.contains("ram"))
            // Only the 2.36 request created a server.
            let list = try await cloud.call("GET", "/v2.1/servers", version: "2.100")
            #expect((list["servers"] as? [Any])?.count == 1)
        }
    }
}

@Suite(.serialized) struct ResourceTests {
    @Test func flavorsKeypairsGroupsQuotas() async throws {
        try await withHarness(try await Cloud.start(hosts: 2)) { cloud in
            // flavor with extra specs and private access
            let f = try await cloud.call("POST", "/v2.1/flavors", ["flavor": ["name": "priv", "ram": 256, "vcpus": 1, "disk": 1,
                                                                              "id": "p1", "os-flavor-access:is_public": false]], version: "2.61")
            #expect(f.status == 200)
            #expect(try await cloud.call("POST", "/v2.1/flavors/p1/os-extra_specs", ["extra_specs": ["hw:cpu_policy": "shared"]]).status == 200)
            let shown = try await cloud.call("GET", "/v2.1/flavors/p1", version: "2.61")["flavor"] as? [String: Any]
            #expect((shown?["extra_specs"] as? [String: String]) == ["hw:cpu_policy": "shared"])
            let access = try await cloud.call("POST", "/v2.1/flavors/p1/action", ["addTenantAccess": ["tenant": "proj2"]])
            #expect((access["flavor_access"] as? [[String: String]])?.first?["tenant_id"] == "proj2")
            #expect(try await cloud.call("GET", "/v2.1/flavors/1/os-flavor-access").status == 404)
            #expect(try await cloud.call("DELETE", "/v2.1/flavors/p1").status == 202)
            // keypairs: generated before 2.92, public key required from 2.92
            let gen = try await cloud.call("POST", "/v2.1/os-keypairs", ["keypair": ["name": "k1"]], version: "2.10")
            #expect(gen.status == 201)
            let kp = gen["keypair"] as? [String: Any] ?? [:]
            #expect((kp["private_key"] as? String)?.contains("OPENSSH PRIVATE KEY") == true)
            #expect((kp["fingerprint"] as? String)?.split(separator: ":").count == 16)
            #expect(try await cloud.call("POST", "/v2.1/os-keypairs", ["keypair": ["name": "k2"]], version: "2.92").status == 400)
            let imported = try await cloud.call("POST", "/v2.1/os-keypairs",
                                                ["keypair": ["name": "k2", "public_key": kp["public_key"] as? String ?? ""]], version: "2.92")
            #expect(imported.status == 201)
            #expect(try await cloud.call("POST", "/v2.1/os-keypairs", ["keypair": ["name": "k2", "public_key": "junk"]], version: "2.92").status == 400)
            #expect(try await cloud.call("POST", "/v2.1/os-keypairs", ["keypair": ["name": "k1"]], version: "2.10").status == 409)
            #expect(((try await cloud.call("GET", "/v2.1/os-keypairs")["keypairs"]) as? [Any])?.count == 2)
            let withKey = try await cloud.boot("keyed", extra: ["key_name": "k1"])
            #expect(try await cloud.server(withKey[0])["key_name"] as? String == "k1")
            // anti-affinity group: two servers land on different hosts
            let g = try await cloud.call("POST", "/v2.1/os-server-groups", ["server_group": ["name": "g", "policy": "anti-affinity"]], version: "2.64")
            let gid = (g["server_group"] as? [String: Any])?["id"] as? String ?? ""
            #expect(g.status == 200)
            let a = try await cloud.boot("aa1", hints: ["group": gid])[0]
            let b = try await cloud.boot("aa2", hints: ["group": gid])[0]
            let hostA = try await cloud.server(a)["OS-EXT-SRV-ATTR:host"] as? String
            let hostB = try await cloud.server(b)["OS-EXT-SRV-ATTR:host"] as? String
            #expect(hostA != nil && hostA != hostB)
            #expect((try await cloud.server(a)["server_groups"] as? [String]) == [gid])
            let members = (try await cloud.call("GET", "/v2.1/os-server-groups/\(gid)", version: "2.64")["server_group"] as? [String: Any])?["members"] as? [String]
            #expect(Set(members ?? []) == [a, b])
            // quotas: 3 instances exist; a limit below use needs force; at 3 the next create is refused
            #expect(try await cloud.call("PUT", "/v2.1/os-quota-sets/admin", ["quota_set": ["instances": 2]]).status == 400)
            #expect(try await cloud.call("PUT", "/v2.1/os-quota-sets/admin", ["quota_set": ["instances": 3]]).status == 200)
            let over = try await cloud.call("POST", "/v2.1/servers", ["server": ["name": "over", "imageRef": "i", "flavorRef": "1", "networks": "none"]], version: "2.100")
            #expect(over.status == 403 && over.message.contains("instances"))
            let limits = try await cloud.call("GET", "/v2.1/limits", version: "2.57")
            let absolute = (limits["limits"] as? [String: Any])?["absolute"] as? [String: Any]
            #expect(absolute?["maxTotalInstances"] as? Int == 3 && absolute?["totalInstancesUsed"] as? Int == 3)
            let detail = try await cloud.call("GET", "/v2.1/os-quota-sets/admin/detail")
            #expect(((detail["quota_set"] as? [String: Any])?["instances"] as? [String: Any])?["in_use"] as? Int == 3)
            let usage = try await cloud.call("GET", "/v2.1/os-simple-tenant-usage?start=2000-01-01T00:00:00")
            #expect((usage["tenant_usages"] as? [Any])?.count == 1)
            // What `openstack usage list` sends: microseconds, no zone (UTC).
            let cli = try await cloud.call("GET", "/v2.1/os-simple-tenant-usage?detailed=True&start=2000-10-28T12%3A04%3A57.651238")
            #expect(cli.status == 200 && (cli["tenant_usages"] as? [Any])?.count == 1)
            #expect(try await cloud.call("GET", "/v2.1/os-simple-tenant-usage?start=2000-01-01%2012%3A00%3A00.5").status == 200)
            #expect(try await cloud.call("GET", "/v2.1/os-simple-tenant-usage?start=yesterday").status == 400)
        }
    }

    @Test func adminResources() async throws {
        try await withHarness(try await Cloud.start(hosts: 2)) { cloud in
            let agg = try await cloud.call("POST", "/v2.1/os-aggregates", ["aggregate": ["name": "agg1", "availability_zone": "az1"]], version: "2.81")
            #expect(agg.status == 200)
            let aid = (agg["aggregate"] as? [String: Any])?["id"] as? Int ?? 0
            let added = try await cloud.call("POST", "/v2.1/os-aggregates/\(aid)/action", ["add_host": ["host": "fake-1"]], version: "2.81")
            #expect(((added["aggregate"] as? [String: Any])?["hosts"] as? [String]) == ["fake-1"])
            #expect(try await cloud.call("POST", "/v2.1/os-aggregates/\(aid)/action", ["add_host": ["host": "nohost"]]).status == 404)
            #expect(try await cloud.call("POST", "/v2.1/os-aggregates", ["aggregate": ["name": "agg1"]]).status == 409)
            let zones = (try await cloud.call("GET", "/v2.1/os-availability-zone")["availabilityZoneInfo"] as? [[String: Any]]) ?? []
            #expect(Set(zones.compactMap { $0["zoneName"] as? String }) == ["az1", "nova"])
            let detail = (try await cloud.call("GET", "/v2.1/os-availability-zone/detail")["availabilityZoneInfo"] as? [[String: Any]]) ?? []
            #expect(detail.contains { $0["zoneName"] as? String == "internal" })
            let inAZ = try await cloud.boot("zoned", extra: ["availability_zone": "az1"])[0]
            #expect(try await cloud.server(inAZ)["OS-EXT-SRV-ATTR:host"] as? String == "fake-1")
            #expect(try await cloud.call("POST", "/v2.1/servers", ["server": ["name": "z", "imageRef": "i", "flavorRef": "1", "networks": "none",
                                                                              "availability_zone": "nowhere"]], version: "2.100").status == 400)
            // services: disable with a reason, force down, then up again
            let services = (try await cloud.call("GET", "/v2.1/os-services?binary=nova-compute", version: "2.69")["services"] as? [[String: Any]]) ?? []
            let sid = services.first { $0["host"] as? String == "fake-2" }?["id"] as? String ?? ""
            let dis = try await cloud.call("PUT", "/v2.1/os-services/\(sid)", ["status": "disabled", "disabled_reason": "maint"], version: "2.53")
            #expect((dis["service"] as? [String: Any])?["status"] as? String == "disabled")
            let down = try await cloud.call("PUT", "/v2.1/os-services/\(sid)", ["forced_down": true], version: "2.53")
            #expect((down["service"] as? [String: Any])?["state"] as? String == "down")
            #expect(try await cloud.call("PUT", "/v2.1/os-services/enable", ["host": "fake-2", "binary": "nova-compute"], version: "2.1").status == 200)
            let hosts = (try await cloud.call("GET", "/v2.1/os-hosts", version: "2.1")["hosts"] as? [[String: Any]]) ?? []
            #expect(hosts.contains { $0["host_name"] as? String == "fake-1" && $0["zone"] as? String == "az1" })
            let servers = try await cloud.call("GET", "/v2.1/os-hypervisors/detail?with_servers=true", version: "2.88")
            #expect((servers["hypervisors"] as? [[String: Any]])?.contains { $0["servers"] != nil } == true)
        }
    }
}

@Suite(.serialized) struct PolicyTests {
    static let tokens = StaticTokens(tokens: [
        "admin": AuthContext(userID: "u-admin", userName: "admin", projectID: "p1", projectName: "p1", roles: ["admin", "member", "reader"]),
        "member1": AuthContext(userID: "u1", userName: "u1", projectID: "p1", projectName: "p1", roles: ["member", "reader"]),
        "member2": AuthContext(userID: "u2", userName: "u2", projectID: "p2", projectName: "p2", roles: ["member", "reader"]),
        "reader1": AuthContext(userID: "u3", userName: "u3", projectID: "p1", projectName: "p1", roles: ["reader"]),
    ])

    @Test func rolesAndProjects() async throws {
        try await withHarness(try await Cloud.start(hosts: 1, validator: Self.tokens)) { cloud in
            #expect(try await cloud.call("GET", "/v2.1").status == 200)  // version document needs no token
            #expect(try await cloud.call("GET", "/v2.1/servers").status == 401)
            #expect(try await cloud.call("GET", "/v2.1/servers", token: "bogus").status == 401)
            let id = try await cloud.boot("mine", token: "member1")[0]
            // another project's member: 404 on the server, 403 on admin APIs; its own list is empty
            #expect(try await cloud.call("GET", "/v2.1/servers/\(id)", token: "member2").status == 404)
            #expect(try await cloud.call("DELETE", "/v2.1/servers/\(id)", token: "member2").status == 404)
            #expect((try await cloud.call("GET", "/v2.1/servers", token: "member2")["servers"] as? [Any])?.isEmpty == true)
            for path in ["/v2.1/os-services", "/v2.1/os-hypervisors", "/v2.1/os-aggregates", "/v2.1/os-availability-zone/detail"] {
                let r = try await cloud.call("GET", path, token: "member2")
                #expect(r.status == 403 && r["forbidden"] != nil, "\(path)")
            }
            #expect(try await cloud.call("GET", "/v2.1/servers?all_tenants=1", token: "member2").status == 403)
            #expect(try await cloud.call("POST", "/v2.1/flavors", ["flavor": ["name": "f", "ram": 1, "vcpus": 1, "disk": 0]], token: "member1").status == 403)
            // a reader sees but cannot act
            #expect(try await cloud.call("GET", "/v2.1/servers/\(id)", token: "reader1").status == 200)
            #expect(try await cloud.call("POST", "/v2.1/servers/\(id)/action", ["os-stop": NSNull()], token: "reader1").status == 403)
            // the admin sees every project with all_tenants, and acts on others' servers
            let all = try await cloud.call("GET", "/v2.1/servers?all_tenants=1", token: "admin")
            #expect((all["servers"] as? [Any])?.count == 1)
            #expect(try await cloud.call("GET", "/v2.1/os-services", token: "admin").status == 200)
            let owner = try await cloud.server(id, token: "member1")
            #expect(owner["tenant_id"] as? String == "p1" && owner["OS-EXT-SRV-ATTR:host"] == nil)
            #expect(try await cloud.call("DELETE", "/v2.1/servers/\(id)", token: "member1").status == 204)
        }
    }
}

@Suite struct OpenAPITests {
    /// Every route the router serves under /v2.1 has an entry in the OpenAPI table, and every entry a route.
    @Test func documentMatchesRoutes() async throws {
        try await withHarness(try await Cloud.start(hosts: 1)) { cloud in
            let routes = Set(OpenAPIDocument.routes(cloud.aio.api.router()))
            let documented = Set(OpenAPIDocument.operations.keys).subtracting(["GET /"])
            #expect(routes.subtracting(documented).sorted() == [])
            #expect(documented.subtracting(routes).sorted() == [])
            let doc = try await cloud.call("GET", "/openapi.json")
            #expect(doc.status == 200 && doc["openapi"] as? String == "3.0.3")
            #expect(((doc["paths"] as? [String: Any])?.count ?? 0) > 40)
        }
    }
}
