import Foundation
import NimbusKernelTestKit
import Testing

@Suite struct NetworkAPITests {
    @Test func versionsAndExtensions() async throws {
        try await withHarness(try await NetworkHarness.start()) { h in
            let root = try await h.request("GET", "/", token: nil)
            #expect(root.status == 200)
            #expect((root.body["versions"] as? [[String: Any]])?.first?["id"] as? String == "v2.0")
            let ext = try await h.request("GET", "/v2.0/extensions")
            #expect(ext.list("extensions").contains { $0["alias"] as? String == "security-group" })
            let missing = try await h.request("GET", "/v2.0/extensions/tag-ports-during-bulk-creation")
            #expect(missing.status == 404)
            #expect(missing.neutronError?.0 == "ExtensionNotFound")
            let anon = try await h.request("GET", "/v2.0/networks", token: nil)
            #expect(anon.status == 401)
            #expect(anon.header("WWW-Authenticate") == "Keystone uri=\"http://127.0.0.1:5000\"")
        }
    }

    @Test func networkCreateShowUpdateDeleteWithNeutronFields() async throws {
        try await withHarness(try await NetworkHarness.start()) { h in
            let r = try await h.request("POST", "/v2.0/networks", json: ["network": ["name": "net1", "admin_state_up": true]],
                                        token: "alice")
            #expect(r.status == 201)
            let n = r.object("network")
            let id = try #require(n["id"] as? String)
            #expect(n["tenant_id"] as? String == "p-demo")
            #expect(n["project_id"] as? String == "p-demo")
            #expect(n["status"] as? String == "ACTIVE")
            #expect(n["shared"] as? Bool == false)
            #expect(n["router:external"] as? Bool == false)
            #expect(n["mtu"] as? Int == 1500)
            #expect((n["subnets"] as? [Any])?.isEmpty == true)

            let sub = try await h.create("subnet", ["network_id": id, "cidr": "10.1.0.0/24", "ip_version": 4], token: "alice")
            let shown = try await h.request("GET", "/v2.0/networks/\(id)?fields=id&fields=subnets", token: "carol")
            #expect(shown.status == 200)
            #expect(Set(shown.object("network").keys) == ["id", "subnets"])
            #expect(shown.object("network")["subnets"] as? [String] == [sub])

            let put = try await h.request("PUT", "/v2.0/networks/\(id)", json: ["network": ["name": "renamed"]], token: "alice")
            #expect(put.object("network")["name"] as? String == "renamed")
            #expect(put.object("network")["revision_number"] as? Int == 1)
            #expect(try await h.request("PUT", "/v2.0/networks/\(id)", json: ["network": ["name": "x"]], token: "carol")
                .status == 403)

            // Name lookup as the SDK does it: the id path 404s, the name filter finds exactly one.
            let byPath = try await h.request("GET", "/v2.0/networks/renamed", token: "alice")
            #expect(byPath.status == 404)
            #expect(byPath.neutronError?.0 == "NetworkNotFound")
            #expect(byPath.neutronError?.1 == "Network renamed could not be found.")
            #expect(try await h.request("GET", "/v2.0/networks?name=renamed", token: "alice").list("networks").count == 1)

            #expect(try await h.request("DELETE", "/v2.0/networks/\(id)", token: "alice").status == 204)
            #expect(try await h.request("GET", "/v2.0/networks/\(id)", token: "alice").status == 404)
            #expect(try await h.request("GET", "/v2.0/subnets/\(sub)", token: "alice").status == 404)
        }
    }

    @Test func projectIsolationSharedAndExternalNetworks() async throws {
        try await withHarness(try await NetworkHarness.start()) { h in
            let demo = try await h.create("network", ["name": "demo-net"], token: "alice")
            let shared = try await h.create("network", ["name": "pub", "shared": true])
            let ext = try await h.create("network", ["name": "ext", "router:external": true])
            let bobs = Set(try await h.request("GET", "/v2.0/networks", token: "bob").list("networks").compactMap { $0["id"] as? String })
            #expect(bobs == [shared, ext])
            #expect(try await h.request("GET", "/v2.0/networks/\(demo)", token: "bob").status == 404)
            #expect(try await h.request("DELETE", "/v2.0/networks/\(demo)", token: "bob").status == 404)
            // Visible but not theirs: 403, and nothing changes.
            let del = try await h.request("DELETE", "/v2.0/networks/\(shared)", token: "bob")
            #expect(del.status == 403)
            #expect(del.neutronError?.0 == "PolicyNotAuthorized")
            // shared and router:external are admin-only attributes, at create and update.
            let s = try await h.request("POST", "/v2.0/networks", json: ["network": ["name": "x", "shared": true]], token: "alice")
            #expect(s.status == 403)
            let e = try await h.request("PUT", "/v2.0/networks/\(demo)", json: ["network": ["router:external": true]],
                                        token: "alice")
            #expect(e.status == 403)
            #expect(e.neutronError?.1 == "(rule:update_network and rule:update_network:router:external) is disallowed by policy")
            #expect(try await h.request("GET", "/v2.0/networks/\(demo)", token: "alice").object("network")["router:external"]
                as? Bool == false)
            let other = try await h.request("POST", "/v2.0/networks", json: ["network": ["name": "x", "project_id": "p-other"]],
                                            token: "alice")
            #expect(other.status == 400)
            // Filters on Neutron's attribute names, booleans as the clients send them; unknown ones refused.
            let sharedOnly = try await h.request("GET", "/v2.0/networks?shared=True", token: "alice").list("networks")
            #expect(sharedOnly.compactMap { $0["id"] as? String } == [shared])
            let own = try await h.request("GET", "/v2.0/networks?tenant_id=p-demo&shared=False", token: "alice")
            #expect(own.list("networks").compactMap { $0["id"] as? String } == [demo])
            #expect(try await h.request("GET", "/v2.0/networks?router%3Aexternal=true", token: "alice").list("networks")
                .compactMap { $0["id"] as? String } == [ext])
            let bad = try await h.request("GET", "/v2.0/networks?colour=blue", token: "alice")
            #expect(bad.status == 400)
            #expect(bad.neutronError?.0 == "HTTPBadRequest")
        }
    }

    @Test func paginationWithLimitAndMarker() async throws {
        try await withHarness(try await NetworkHarness.start()) { h in
            var ids: [String] = []
            for i in 0..<7 { ids.append(try await h.create("network", ["name": "n\(i)"])) }
            ids.sort()
            var seen: [String] = []
            var path = "/v2.0/networks?limit=3"
            var pages = 0
            while pages < 10 {
                let r = try await h.request("GET", path)
                #expect(r.status == 200)
                seen += r.list("networks").compactMap { $0["id"] as? String }
                pages += 1
                guard let next = (r.body["networks_links"] as? [[String: Any]])?.first(where: { $0["rel"] as? String == "next" })?["href"]
                    as? String, let url = URL(string: next) else { break }
                path = url.path + "?" + (url.query ?? "")
            }
            #expect(seen == ids)
            #expect(pages == 3)
            let badMarker = try await h.request("GET", "/v2.0/networks?marker=nope")
            #expect(badMarker.status == 404)
            #expect(try await h.request("GET", "/v2.0/networks?limit=-1").status == 400)
            #expect(try await h.request("GET", "/v2.0/networks?sort_key=name&sort_dir=desc").list("networks").first?["name"]
                as? String == "n6")
        }
    }

    @Test func malformedBodiesAreNeutronErrors() async throws {
        try await withHarness(try await NetworkHarness.start()) { h in
            for body in [["network": "x"], ["nope": [:]], ["network": ["name": 5]], ["network": ["bogus": 1]],
                         ["network": ["name": String(repeating: "a", count: 256)]], ["network": ["admin_state_up": "maybe"]],
                         ["network": ["name": "a\u{0}b"]]] as [[String: Any]] {
                let r = try await h.request("POST", "/v2.0/networks", json: body)
                #expect(r.status == 400, "\(body)")
                #expect(r.neutronError?.0 == "HTTPBadRequest", "\(body)")
            }
            #expect(try await h.request("GET", "/v2.0/networks?name=a%00b").status == 400)
            #expect(try await h.request("GET", "/v2.0/networks").list("networks").isEmpty)
        }
    }
}

@Suite struct NetworkQuotaTests {
    @Test func quotasAreUnlimitedAndDetailsCountUse() async throws {
        try await withHarness(try await NetworkHarness.start()) { h in
            _ = try await h.networkWithSubnet("10.9.0.0/24", token: "alice")
            let q = try await h.request("GET", "/v2.0/quotas/p-demo", token: "alice")
            #expect(q.status == 200)
            #expect(q.object("quota")["port"] as? Int == -1)
            let d = try await h.request("GET", "/v2.0/quotas/p-demo/details.json", token: "alice")
            #expect((d.object("quota")["network"] as? [String: Any])?["used"] as? Int == 1)
            #expect((d.object("quota")["subnet"] as? [String: Any])?["used"] as? Int == 1)
            #expect(try await h.request("GET", "/v2.0/quotas/p-demo", token: "bob").status == 403)
        }
    }
}
