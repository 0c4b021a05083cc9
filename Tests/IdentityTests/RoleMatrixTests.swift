import Foundation
import NimbusKernelTestKit
import Testing

/// Every Identity write × reader, member, member of another project and admin. Keystone's defaults keep
/// domains, projects, users, roles, implied roles and grants admin-only (`identity:create_user` … are
/// `rule:admin_required`): everyone else gets 403 in Keystone's error body and the store is unchanged;
/// admin succeeds.
@Suite struct IdentityRoleMatrixTests {
    /// One write: its method, and a fresh target made by admin for each caller (a refused caller must not
    /// leave the next one nothing to act on).
    struct Row: Sendable {
        var name: String
        var method: String
        var allowed: Int
        var target: @Sendable (IdentityHarness, Personas, Int) async throws -> (path: String, body: [String: Any]?)
    }

    static func made(_ h: IdentityHarness, _ p: Personas, _ path: String, _ key: String, _ body: [String: Any])
        async throws -> String
    {
        let r = try await h.request("POST", path, [key: body], token: p.admin)
        return try #require(r.body.obj(key).str("id"), "admin could not create \(key): \(r.status)")
    }

    static func role(_ h: IdentityHarness, _ p: Personas, _ n: Int, _ tag: String) async throws -> String {
        try await made(h, p, "/v3/roles", "role", ["name": "role-\(tag)-\(n)"])
    }

    static let rows: [Row] = [
        Row(name: "create domain", method: "POST", allowed: 201) { _, _, n in
            ("/v3/domains", ["domain": ["name": "dom-\(n)"]])
        },
        Row(name: "update domain", method: "PATCH", allowed: 200) { h, p, n in
            ("/v3/domains/" + (try await made(h, p, "/v3/domains", "domain", ["name": "upd-\(n)"])),
             ["domain": ["description": "changed"]])
        },
        Row(name: "delete domain", method: "DELETE", allowed: 204) { h, p, n in
            ("/v3/domains/" + (try await made(h, p, "/v3/domains", "domain", ["name": "del-\(n)", "enabled": false])), nil)
        },
        Row(name: "create project", method: "POST", allowed: 201) { _, _, n in
            ("/v3/projects", ["project": ["name": "proj-\(n)"]])
        },
        Row(name: "update project", method: "PATCH", allowed: 200) { h, p, n in
            ("/v3/projects/" + (try await made(h, p, "/v3/projects", "project", ["name": "updp-\(n)"])),
             ["project": ["description": "changed"]])
        },
        Row(name: "update own project", method: "PATCH", allowed: 200) { _, p, _ in
            ("/v3/projects/\(p.demoID)", ["project": ["description": "changed"]])
        },
        Row(name: "delete project", method: "DELETE", allowed: 204) { h, p, n in
            ("/v3/projects/" + (try await made(h, p, "/v3/projects", "project", ["name": "delp-\(n)"])), nil)
        },
        Row(name: "create user", method: "POST", allowed: 201) { _, _, n in
            ("/v3/users", ["user": ["name": "user-\(n)", "password": "x"]])
        },
        Row(name: "update user", method: "PATCH", allowed: 200) { h, p, n in
            ("/v3/users/" + (try await made(h, p, "/v3/users", "user", ["name": "updu-\(n)"])), ["user": ["enabled": false]])
        },
        Row(name: "set a user's password", method: "PATCH", allowed: 200) { _, p, _ in
            ("/v3/users/\(p.ids["member"]!)", ["user": ["password": "pw-member"]])
        },
        Row(name: "delete user", method: "DELETE", allowed: 204) { h, p, n in
            ("/v3/users/" + (try await made(h, p, "/v3/users", "user", ["name": "delu-\(n)"])), nil)
        },
        Row(name: "create role", method: "POST", allowed: 201) { _, _, n in ("/v3/roles", ["role": ["name": "newrole-\(n)"]]) },
        Row(name: "update role", method: "PATCH", allowed: 200) { h, p, n in
            ("/v3/roles/" + (try await role(h, p, n, "upd")), ["role": ["description": "changed"]])
        },
        Row(name: "delete role", method: "DELETE", allowed: 204) { h, p, n in
            ("/v3/roles/" + (try await role(h, p, n, "del")), nil)
        },
        Row(name: "add an implied role", method: "PUT", allowed: 201) { h, p, n in
            ("/v3/roles/\(try await role(h, p, n, "prior"))/implies/\(try await role(h, p, n, "implied"))", nil)
        },
        Row(name: "grant on a project", method: "PUT", allowed: 204) { h, p, n in
            ("/v3/projects/\(p.demoID)/users/\(p.ids["reader"]!)/roles/\(try await role(h, p, n, "gp"))", nil)
        },
        Row(name: "revoke on a project", method: "DELETE", allowed: 204) { h, p, n in
            let path = "/v3/projects/\(p.demoID)/users/\(p.ids["outsider"]!)/roles/\(try await role(h, p, n, "rp"))"
            #expect(try await h.request("PUT", path, token: p.admin).status == 204)
            return (path, nil)
        },
        Row(name: "grant on a domain", method: "PUT", allowed: 204) { h, p, n in
            ("/v3/domains/default/users/\(p.ids["member"]!)/roles/\(try await role(h, p, n, "gd"))", nil)
        },
        Row(name: "revoke on a domain", method: "DELETE", allowed: 204) { h, p, n in
            let path = "/v3/domains/default/users/\(p.ids["member"]!)/roles/\(try await role(h, p, n, "rd"))"
            #expect(try await h.request("PUT", path, token: p.admin).status == 204)
            return (path, nil)
        },
    ]

    @Test func everyWriteIsAdminOnly() async throws {
        try await withHarness(try await IdentityHarness.start()) { h in
            let p = try await Personas.make(h)
            var n = 0
            for row in Self.rows {
                // Admin last: its success may use up what the refused callers were shown.
                for (caller, token) in [("reader", p.reader), ("member", p.member), ("outsider", p.outsider), ("admin", p.admin)] {
                    n += 1
                    let (path, body) = try await row.target(h, p, n)
                    let r = try await h.request(row.method, path, body, token: token)
                    let expected = caller == "admin" ? row.allowed : 403
                    #expect(r.status == expected, "\(row.name) as \(caller): \(r.status) \(String(decoding: r.raw, as: UTF8.self))")
                    if expected == 403 { #expect(r.body.obj("error")["code"] as? Int == 403, "\(row.name) as \(caller)") }
                }
            }
            // The refused creations left nothing behind: each kind has exactly admin's (n a multiple of 4).
            for (path, key, prefix) in [("/v3/domains", "domains", "dom-"), ("/v3/projects", "projects", "proj-"),
                                        ("/v3/users", "users", "user-"), ("/v3/roles", "roles", "newrole-")] {
                let names = try await h.request("GET", path, token: p.admin).body.list(key).compactMap { $0.str("name") }
                let made = names.filter { $0.hasPrefix(prefix) }
                #expect(made.count == 1 && made.allSatisfy { (Int($0.dropFirst(prefix.count)) ?? 1) % 4 == 0 }, "\(made)")
            }
        }
    }

    /// What every caller may do to themselves: change their own password and revoke their own token.
    @Test func selfServiceIsOpenToEveryRole() async throws {
        try await withHarness(try await IdentityHarness.start()) { h in
            let p = try await Personas.make(h)
            for (user, token, project) in [("reader", p.reader, "demo"), ("member", p.member, "demo"), ("outsider", p.outsider, "other")] {
                let id = p.ids[user]!
                // Someone else's password: 403 whatever the role.
                let other = p.ids[user == "reader" ? "member" : "reader"]!
                let refused = try await h.request("POST", "/v3/users/\(other)/password",
                                                  ["user": ["original_password": "x", "password": "y"]], token: token)
                #expect(refused.status == 403)
                let changed = try await h.request("POST", "/v3/users/\(id)/password",
                                                  ["user": ["original_password": "pw-\(user)", "password": "new-\(user)"]], token: token)
                #expect(changed.status == 204, "\(user)")
                let fresh = try await h.token(user, "new-\(user)", project: project)
                // Another user's token cannot be revoked by a non-admin; one's own can.
                #expect(try await h.request("DELETE", "/v3/auth/tokens", token: fresh, headers: ["X-Subject-Token": p.admin]).status == 403)
                #expect(try await h.request("DELETE", "/v3/auth/tokens", token: fresh, headers: ["X-Subject-Token": fresh]).status == 204)
            }
        }
    }
}
