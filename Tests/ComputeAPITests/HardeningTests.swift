import Foundation
import NimbusKernelTestKit
import NimbusTestCloud
import NimbusKernel
import Testing

@testable import NimbusAPI
@testable import NimbusStore

/// The hardening findings against the Compute API (each crashed, stalled or silently misbehaved before).
@Suite(.serialized) struct HardeningTests {
    static let tokens = StaticTokens(tokens: [
        "admin": AuthContext(userID: "u-admin", userName: "admin", projectID: "p1", projectName: "p1",
                             roles: ["admin", "member", "reader"]),
        "member": AuthContext(userID: "u1", userName: "u1", projectID: "p1", projectName: "p1", roles: ["member", "reader"]),
    ])

    static func create(_ cloud: Cloud, _ server: [String: Any], version: String = "2.100") async throws -> Answer {
        var s: [String: Any] = ["name": "h", "imageRef": "cirros", "flavorRef": "1", "networks": "none"]
        s.merge(server) { _, new in new }
        return try await cloud.call("POST", "/v2.1/servers", ["server": s], version: version, token: "member")
    }

    /// Findings 1, 2 and 4: a huge max_count overflowed the quota fit, a huge min_count allocated terabytes,
    /// and a full quota made the fit loop step down a billion times.
    @Test func hugeCountsAreBoundedBeforeAnythingIsAllocated() async throws {
        try await Cloud.with(hosts: 1, validator: Self.tokens) { cloud in
            let huge = try await Self.create(cloud, ["max_count": Int.max])
            // Capped by the quota (10 instances, 20 cores, 51,200 MB; flavor 1 is 1 vCPU / 512 MB): 10 servers.
            #expect(huge.status == 202, "\(huge.body)")
            let usage = try await cloud.store.usage(project: "p1")
            #expect(usage.instances == 10)
            let big = try await Self.create(cloud, ["min_count": 1_099_511_627_776, "max_count": 1_099_511_627_776])
            #expect(big.status == 400 && big.message.contains("min_count"), "\(big.body)")
            // Quota full: answered at once with Nova's 403, whatever max_count says.
            let full = try await Self.create(cloud, ["max_count": 1_000_000_000])
            #expect(full.status == 403 && full.message.hasPrefix("Quota exceeded for instances"), "\(full.body)")
            let over = try await Self.create(cloud, ["min_count": "9223372036854775808"])
            #expect(over.status == 400 && over["badRequest"] != nil, "\(over.body)")
        }
    }

    @Test func allowedCountIsNovasHeadroom() {
        let f = Flavor(id: "f", name: "f", memoryMB: 512, vcpus: 2, rootGB: 1)
        var u = ProjectUsage()
        u.instances = 3; u.cores = 6; u.ram = 1536
        #expect(ComputeAPI.allowedCount(f, u, ["instances": 10, "cores": 20, "ram": 51200]) == 7)
        #expect(ComputeAPI.allowedCount(f, u, ["instances": 10, "cores": 9, "ram": 51200]) == 1)
        #expect(ComputeAPI.allowedCount(f, u, ["instances": 2, "cores": 20, "ram": 51200]) == 0)
        #expect(ComputeAPI.allowedCount(f, u, ["instances": -1, "cores": -1, "ram": -1]) == Int.max)
        #expect(ComputeAPI.allowedCount(f, u, ["instances": -1, "cores": -1, "ram": 2048]) == 1)
    }

    /// Finding 3: `null` in a quota set force-unwrapped nil.
    @Test func nullQuotaIsABadRequest() async throws {
        try await Cloud.with(hosts: 1, validator: Self.tokens) { cloud in
            let r = try await cloud.call("PUT", "/v2.1/os-quota-sets/p1", ["quota_set": ["cores": NSNull()]], token: "admin")
            #expect(r.status == 400 && r.message.contains("cores") && r.message.contains("None"), "\(r.body)")
            let ok = try await cloud.call("PUT", "/v2.1/os-quota-sets/p1", ["quota_set": ["cores": 30]], token: "admin")
            #expect(ok.status == 200)
        }
    }

    /// Finding 6: strings were cut at NUL by SQLite (`a\u0000b` stored as `a`).
    @Test func nulAndControlCharactersAreRefused() async throws {
        try await Cloud.with(hosts: 1, validator: Self.tokens) { cloud in
            for name in ["a\u{0}b", "a\u{7}b", "tab\tname", "line\u{2028}sep"] {
                let r = try await Self.create(cloud, ["name": name])
                #expect(r.status == 400 && r["badRequest"] != nil, "\(name.debugDescription): \(r.status) \(r.body)")
            }
            let flavor = try await cloud.call("POST", "/v2.1/flavors", ["flavor": ["name": "x\u{0}y", "ram": 1, "vcpus": 1, "disk": 0]],
                                              token: "admin")
            #expect(flavor.status == 400)
            // NUL anywhere in a body (metadata values too) and in the URL.
            #expect(try await Self.create(cloud, ["metadata": ["k": "v\u{0}w"]]).status == 400)
            #expect(try await Self.create(cloud, ["imageRef": "zzzz-not-uuid\u{0}"]).status == 400)
            let url = try await cloud.call("GET", "/v2.1/flavors/1%00x", token: "member")
            #expect(url.status == 400 && url["badRequest"] != nil)
            #expect(try await cloud.store.instances().isEmpty)
            // A name with printable unicode is fine.
            #expect(try await Self.create(cloud, ["name": "wëb-ünïcode ✓"]).status == 202)
        }
    }

    /// Finding 7, compute part: values Nova's schema refuses were accepted.
    @Test func lenientValuesAreRefused() async throws {
        try await Cloud.with(hosts: 1, validator: Self.tokens) { cloud in
            let bad: [(String, [String: Any], String)] = [
                ("security_groups string", ["security_groups": "x"], "2.100"),
                ("security_groups item", ["security_groups": [["name": "a", "x": 1]]], "2.100"),
                ("boot_index", ["block_device_mapping_v2": [["boot_index": "x"]]], "2.100"),
                ("bdm source_type", ["block_device_mapping_v2": [["source_type": "tape", "boot_index": 0]]], "2.100"),
                ("bdm unknown key", ["block_device_mapping_v2": [["frob": 1]]], "2.100"),
                ("legacy bdm volume", ["block_device_mapping": [["volume_id": UUID().uuidString, "device_name": "vda"]]], "2.100"),
                ("hostname", ["hostname": "-bad_host-"], "2.90"),
                ("hostname fqdn", ["hostname": "bad host"], "2.94"),
                ("config_drive", ["config_drive": "maybe"], "2.100"),
            ]
            for (what, body, version) in bad {
                let r = try await Self.create(cloud, body, version: version)
                #expect(r.status == 400 && r["badRequest"] != nil, "\(what): \(r.status) \(r.body)")
            }
            let good = try await Self.create(cloud, ["hostname": "good-host", "security_groups": [["name": "default"]],
                                                     "block_device_mapping_v2": [["boot_index": "0", "source_type": "image",
                                                                                  "destination_type": "local",
                                                                                  "uuid": "cirros"]]],
                                             version: "2.90")
            #expect(good.status == 202, "\(good.body)")
            #expect(try await Self.create(cloud, ["hostname": "a.b_c"], version: "2.94").status == 202)
        }
    }

    /// Nova's wsgi check: `/v2.1/{project_id}/…` naming another project is 400 (it served the caller's own).
    @Test func urlProjectMustBeTheTokens() async throws {
        try await Cloud.with(hosts: 1, validator: Self.tokens) { cloud in
            let other = String(repeating: "a", count: 32)
            let r = try await cloud.call("GET", "/v2.1/\(other)/servers", token: "member")
            #expect(r.status == 400 && r.message.contains("doesn't match Context's project_id"), "\(r.body)")
            // A client cannot smuggle the internal header.
            let h = try await cloud.call("GET", "/v2.1/servers", token: "member", headers: ["X-Nimbus-URL-Project-Id": other])
            #expect(h.status == 200)
        }
    }

    /// Deep nesting is refused before the decoder recurses into it.
    @Test func deeplyNestedBodiesAreRefused() async throws {
        try await Cloud.with(hosts: 1, validator: Self.tokens) { cloud in
            let deep = Data(("{\"server\":" + String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000) + "}").utf8)
            let r = try await cloud.call("POST", "/v2.1/servers", deep, token: "member")
            #expect(r.status == 400 && r["badRequest"] != nil, "\(r.status)")
        }
    }
}
