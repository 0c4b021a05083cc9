import Foundation
import NimbusKernelTestKit
import NimbusIdentity
import NimbusStore
import Testing

/// A few hundred generated requests over every Identity route that reads a body or a query (fixed seed, so
/// every run sends the same ones): never a 5xx, every 4xx in Keystone's error body, and the service still
/// answers afterwards.
@Suite struct IdentityGeneratedInputTests {
    typealias Gen = (inout BodyGenerator) -> String

    static func user(_ g: inout BodyGenerator) -> String {
        g.object([("name", { $0.string() }), ("password", { $0.string() }), ("enabled", { $0.pick(["true", "false"]) }),
                  ("email", { $0.string() }), ("description", { $0.string() }), ("default_project_id", { $0.string() }),
                  ("domain_id", { $0.pick(["\"default\"", $0.string()]) })])
    }

    static func auth(_ g: inout BodyGenerator) -> String {
        let user = g.object([("name", { $0.pick(["\"admin\"", "\"admin\\u0000zzz\"", $0.string()]) }),
                             ("id", { $0.string() }), ("password", { $0.pick(["\"secret\"", "\"secret\\u0000\"", $0.string()]) }),
                             ("domain", { $0.object([("name", { $0.pick(["\"Default\"", $0.string()]) }), ("id", { $0.string() })]) })])
        let identity = "{\"methods\":" + g.pick(["[\"password\"]", "[\"token\"]", "[]", "[1]", g.value()])
            + ",\"password\":{\"user\":" + user + "},\"token\":{\"id\":" + g.string() + "}}"
        let scope = g.pick(["{\"project\":{\"name\":\"admin\",\"domain\":{\"name\":\"Default\"}}}", "\"unscoped\"", g.value(),
                            "{\"project\":{\"id\":" + g.string() + "}}", "{\"domain\":{\"id\":\"default\"}}"])
        return "{\"auth\":{\"identity\":" + identity + (g.chance(70) ? ",\"scope\":" + scope : "") + "}}"
    }

    static func named(_ extra: [(String, Gen)]) -> Gen {
        { g in g.object([("name", { $0.string() }), ("description", { $0.string() }), ("enabled", { $0.pick(["true", "false"]) })] + extra) }
    }

    @Test func generatedBodiesNeverFailTheServer() async throws {
        try await withHarness(try await IdentityHarness.start()) { h in
            let admin = try await h.token()
            let project = try #require(try await h.request("POST", "/v3/projects", ["project": ["name": "target"]], token: admin)
                .body.obj("project").str("id"))
            let userID = try #require(try await h.request("POST", "/v3/users", ["user": ["name": "target", "password": "pw"]], token: admin)
                .body.obj("user").str("id"))
            let roleID = try #require(try await h.request("POST", "/v3/roles", ["role": ["name": "target"]], token: admin)
                .body.obj("role").str("id"))
            let domainID = try #require(try await h.request("POST", "/v3/domains", ["domain": ["name": "target"]], token: admin)
                .body.obj("domain").str("id"))

            // (method, path, resource key, the right shape of its object)
            let routes: [(String, String, String?, Gen)] = [
                ("POST", "/v3/auth/tokens", nil, Self.auth),
                ("POST", "/v3/domains", "domain", Self.named([])),
                ("PATCH", "/v3/domains/\(domainID)", "domain", Self.named([])),
                ("POST", "/v3/projects", "project", Self.named([("domain_id", { $0.pick(["\"default\"", $0.string()]) }),
                                                           ("parent_id", { $0.string() }), ("is_domain", { $0.value() })])),
                ("PATCH", "/v3/projects/\(project)", "project", Self.named([])),
                ("POST", "/v3/users", "user", Self.user),
                ("PATCH", "/v3/users/\(userID)", "user", Self.user),
                ("POST", "/v3/roles", "role", Self.named([])),
                ("PATCH", "/v3/roles/\(roleID)", "role", Self.named([])),
                ("POST", "/v3/users/\(userID)/password", "user",
                 { g in g.object([("original_password", { $0.pick(["\"pw\"", $0.string()]) }), ("password", { $0.string() })]) }),
            ]
            let unscoped = try await h.request("POST", "/v3/auth/tokens",
                                               IdentityHarness.passwordAuth(user: "target", password: "pw", project: nil))
            let own = try #require(unscoped.header("X-Subject-Token"))  // for the password route: only one's own
            var g = BodyGenerator(seed: 0x1DE7_1717)
            var statuses: [Int: Int] = [:]
            for (method, path, key, shape) in routes {
                for _ in 0..<30 {
                    let body = g.body(key: key) { g in key.map { "{\"\($0)\":" + shape(&g) + "}" } ?? shape(&g) }
                    let r = try await h.request(method, path, body, token: path.hasSuffix("/password") ? own : admin)
                    statuses[r.status, default: 0] += 1
                    Self.check(r, method, "\(method) \(path) \(String(decoding: body.prefix(200), as: UTF8.self))")
                    if path.hasSuffix("/password"), r.status == 204 {  // keep "pw" the password for the next case
                        var u = try #require(try await h.store.user(id: userID))
                        u.passwordHash = try await h.identity.hasher.hash("pw")
                        try await h.store.updateUser(u)
                    }
                }
            }
            // Queries and path segments: the list filters and the lookups by id.
            for _ in 0..<60 {
                let part = g.urlPart()
                let path = g.pick(["/v3/users?name=\(part)", "/v3/projects?name=\(part)&enabled=\(part)", "/v3/domains?name=\(part)",
                                   "/v3/roles?name=\(part)", "/v3/users/\(part)", "/v3/projects/\(part)",
                                   "/v3/role_assignments?user.id=\(part)&scope.project.id=\(part)&effective",
                                   "/v3/projects/\(project)/users/\(part)/roles/\(part)"])
                let method = g.pick(["GET", "HEAD", "PUT", "DELETE"])
                let r = try await h.request(method, path, token: admin)
                statuses[r.status, default: 0] += 1
                Self.check(r, method, "\(method) \(path)")
            }
            // Every route was given some bodies it accepted and some it refused.
            #expect(statuses.keys.contains { (200..<300).contains($0) } && statuses[400, default: 0] > 50, "\(statuses)")
            #expect(try await h.request("GET", "/v3/users/\(userID)", token: admin).status == 200)
        }
    }

    /// No 5xx; a 4xx carries Keystone's `{"error": {"code", "title", "message"}}` (HEAD has no body).
    static func check(_ r: IdentityHarness.Reply, _ method: String, _ what: String) {
        #expect(r.status < 500, "\(r.status) for \(what)")
        guard (400..<500).contains(r.status), method != "HEAD" else { return }
        let error = r.body.obj("error")
        #expect(error["code"] as? Int == r.status && error["message"] is String && error["title"] is String,
                "\(r.status) without Keystone's error body for \(what): \(String(decoding: r.raw.prefix(200), as: UTF8.self))")
    }
}
