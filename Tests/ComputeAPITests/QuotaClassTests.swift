import Foundation
import NimbusTestCloud
import NimbusKernelTestKit
import NimbusKernel
import Testing

/// os-quota-class-sets (404 before, issue 10): the `default` class sets what projects without an override get.
@Suite struct QuotaClassTests {
    static let tokens = StaticTokens(tokens: [
        "admin": AuthContext(userID: "u-admin", userName: "admin", projectID: "p1", projectName: "p1",
                             roles: ["admin", "member", "reader"]),
        "member2": AuthContext(userID: "u2", userName: "u2", projectID: "p2", projectName: "p2", roles: ["member", "reader"]),
    ])

    @Test func quotaClassDefaultSetsNewProjectsQuotas() async throws {
        try await withHarness(try await Cloud.start(hosts: 1, validator: Self.tokens)) { cloud in
            let path = "/v2.1/os-quota-class-sets/default"
            let v21 = try #require(try await cloud.call("GET", path, version: "2.1", token: "admin")["quota_class_set"] as? [String: Any])
            #expect(v21["id"] as? String == "default" && v21["instances"] as? Int == 10 && v21["floating_ips"] as? Int == -1)
            #expect(v21["server_groups"] == nil && v21["injected_files"] as? Int == 5)
            let v250 = try #require(try await cloud.call("GET", path, version: "2.50", token: "admin")["quota_class_set"] as? [String: Any])
            #expect(v250["server_groups"] as? Int == 10 && v250["floating_ips"] == nil && v250["injected_files"] != nil)
            let v257 = try #require(try await cloud.call("GET", path, version: "2.57", token: "admin")["quota_class_set"] as? [String: Any])
            #expect(v257["injected_files"] == nil && v257["server_group_members"] as? Int == 10)
            #expect(Set(v257.keys) == ["id", "cores", "instances", "key_pairs", "metadata_items", "ram", "server_groups",
                                        "server_group_members"])

            let put = try await cloud.call("PUT", path, ["quota_class_set": ["instances": 3, "cores": "7"]], version: "2.57",
                                           token: "admin")
            #expect(put.status == 200, "\(put.body)")
            let set = try #require(put["quota_class_set"] as? [String: Any])
            #expect(set["id"] == nil && set["instances"] as? Int == 3 && set["cores"] as? Int == 7)
            // 2.57 no longer takes the file-injection resources.
            let old = try await cloud.call("PUT", path, ["quota_class_set": ["injected_files": 3]], version: "2.57", token: "admin")
            #expect(old.status == 400)
            #expect(try await cloud.call("PUT", path, ["quota_class_set": ["instances": 3]], token: "member2").status == 403)
            #expect(try await cloud.call("GET", path, token: "member2").status == 403)

            // A project without its own override gets the class default; its own override still wins.
            let q = try await cloud.call("GET", "/v2.1/os-quota-sets/p2", version: "2.57", token: "admin")
            #expect((q["quota_set"] as? [String: Any])?["instances"] as? Int == 3)
            let d = try await cloud.call("GET", "/v2.1/os-quota-sets/p2/defaults", version: "2.57", token: "admin")
            #expect((d["quota_set"] as? [String: Any])?["cores"] as? Int == 7)
            let limits = try await cloud.call("GET", "/v2.1/limits", version: "2.57", token: "member2")
            let absolute = (limits["limits"] as? [String: Any])?["absolute"] as? [String: Any]
            #expect(absolute?["maxTotalInstances"] as? Int == 3)
            // Enforced: four servers do not fit a class default of three instances.
            let four = try await cloud.call("POST", "/v2.1/servers", ["server": [
                "name": "q", "imageRef": "cirros", "flavorRef": "1", "networks": "none", "min_count": 4]],
                version: "2.57", token: "member2")
            #expect(four.status == 403, "\(four.body)")
            _ = try await cloud.call("PUT", "/v2.1/os-quota-sets/p2", ["quota_set": ["instances": 20]], version: "2.57",
                                     token: "admin")
            let own = try await cloud.call("GET", "/v2.1/os-quota-sets/p2", version: "2.57", token: "admin")
            #expect((own["quota_set"] as? [String: Any])?["instances"] as? Int == 20)
            #expect((own["quota_set"] as? [String: Any])?["cores"] as? Int == 7)
        }
    }
}
