import Foundation
import NimbusKernelTestKit
import Logging
import NimbusIdentity
import NimbusKernel
import NimbusStore
import Testing

@Suite struct AdminAndRoleTests {
    @Test func adminManagesProjectsUsersAndRolesAsTheCLIDoes() async throws {
        try await withHarness(try await IdentityHarness.start()) { h in
            let admin = try await h.token()

            // openstack project create demo
            let p = try await h.request("POST", "/v3/projects", ["project": ["name": "demo", "enabled": true]], token: admin)
            #expect(p.status == 201)
            let projectID = try #require(p.body.obj("project").str("id"))
            #expect(p.body.obj("project").str("domain_id") == "default")
            #expect(try await h.request("POST", "/v3/projects", ["project": ["name": "demo"]], token: admin).status == 409)
            #expect(try await h.request("POST", "/v3/projects", ["project": ["name": 7]], token: admin).status == 400)
            let list = try await h.request("GET", "/v3/projects", token: admin)
            #expect(Set(list.body.list("projects").compactMap { $0.str("name") }) == ["admin", "demo"])
            #expect(try await h.request("GET", "/v3/projects/demo", token: admin).status == 404)  // name lookups fall back
            #expect(try await h.request("GET", "/v3/projects?name=demo", token: admin).body.list("projects").count == 1)

            // openstack user create --password pw --project demo alice
            let u = try await h.request("POST", "/v3/users", ["user": [
                "name": "alice", "password": "pw", "default_project_id": projectID, "enabled": true]], token: admin)
            #expect(u.status == 201)
            let userID = try #require(u.body.obj("user").str("id"))
            #expect(u.body.obj("user")["password"] == nil)
            #expect(try await h.store.user(id: userID)?.passwordHash?.hasPrefix("$pbkdf2-sha512$") == true)
            #expect(try await h.request("GET", "/v3/users?name=alice", token: admin).body.list("users").count == 1)

            // No role yet: alice cannot scope to demo.
            await #expect(throws: (any Error).self) { try await h.token("alice", "pw", project: "demo") }

            // openstack role add --project demo --user alice member
            let roles = try await h.request("GET", "/v3/roles?name=member", token: admin).body.list("roles")
            let member = try #require(roles.first?.str("id"))
            let grant = "/v3/projects/\(projectID)/users/\(userID)/roles/\(member)"
            #expect(try await h.request("PUT", grant, token: admin).status == 204)
            #expect(try await h.request("HEAD", grant, token: admin).status == 204)
            #expect(try await h.request("PUT", "/v3/projects/\(projectID)/users/\(userID)/roles/nope", token: admin).status == 404)

            let alice = try await h.token("alice", "pw", project: "demo")
            let ctx = try await h.identity.tokenValidator.validate(token: alice)
            #expect(ctx.projectID == projectID && ctx.userName == "alice")
            #expect(Set(ctx.roles) == ["member", "reader"])  // member implies reader
            #expect(!ctx.isAdmin && ctx.isMember)

            // openstack role assignment list --names
            let ra = try await h.request("GET", "/v3/role_assignments?scope.project.id=\(projectID)&include_names=True", token: admin)
            #expect(ra.status == 200)
            let assignments = ra.body.list("role_assignments")
            #expect(assignments.count == 1)
            #expect(assignments.first?.obj("role").str("name") == "member")
            #expect(assignments.first?.obj("user").str("name") == "alice")
            #expect(assignments.first?.obj("scope").obj("project").str("name") == "demo")
            let effective = try await h.request("GET", "/v3/role_assignments?user.id=\(userID)&effective", token: admin)
            #expect(Set(effective.body.list("role_assignments").compactMap { $0.obj("role").str("id") }).count == 2)

            // Members are not identity admins; they may read themselves.
            #expect(try await h.request("GET", "/v3/users", token: alice).status == 403)
            #expect(try await h.request("POST", "/v3/projects", ["project": ["name": "x"]], token: alice).status == 403)
            #expect(try await h.request("GET", "/v3/users/\(userID)", token: alice).status == 200)
            #expect(try await h.request("GET", "/v3/auth/tokens", token: alice, headers: ["X-Subject-Token": admin]).status == 403)
            #expect(try await h.request("GET", "/v3/auth/tokens", token: alice, headers: ["X-Subject-Token": alice]).status == 200)
            #expect(try await h.request("GET", "/v3/users", token: nil).status == 401)

            // Removing the role ends alice's token at once; deleting the user ends everything.
            #expect(try await h.request("DELETE", grant, token: admin).status == 204)
            #expect(try await h.request("DELETE", grant, token: admin).status == 404)
            await #expect(throws: TokenError.self) { try await h.identity.tokenValidator.validate(token: alice) }
            #expect(try await h.request("DELETE", "/v3/users/\(userID)", token: admin).status == 204)
            #expect(try await h.request("GET", "/v3/users/\(userID)", token: admin).status == 404)
            #expect(try await h.request("DELETE", "/v3/projects/\(projectID)", token: admin).status == 204)
        }
    }

    @Test func rolesAndDomainsCRUD() async throws {
        try await withHarness(try await IdentityHarness.start()) { h in
            let admin = try await h.token()
            let r = try await h.request("POST", "/v3/roles", ["role": ["name": "auditor"]], token: admin)
            #expect(r.status == 201)
            let roleID = try #require(r.body.obj("role").str("id"))
            #expect(try await h.request("POST", "/v3/roles", ["role": ["name": "auditor"]], token: admin).status == 409)
            #expect(try await h.request("GET", "/v3/roles", token: admin).body.list("roles").count == 4)
            #expect(try await h.request("DELETE", "/v3/roles/\(roleID)", token: admin).status == 204)
            let inferences = try await h.request("GET", "/v3/role_inferences", token: admin)
            #expect(inferences.body.list("role_inferences").count == 2)

            let d = try await h.request("POST", "/v3/domains", ["domain": ["name": "other"]], token: admin)
            #expect(d.status == 201)
            let domainID = try #require(d.body.obj("domain").str("id"))
            #expect(try await h.request("DELETE", "/v3/domains/\(domainID)", token: admin).status == 403)  // enabled
            #expect(try await h.request("PATCH", "/v3/domains/\(domainID)", ["domain": ["enabled": false]], token: admin).status == 200)
            #expect(try await h.request("DELETE", "/v3/domains/\(domainID)", token: admin).status == 204)
            #expect(try await h.request("GET", "/v3/domains", token: admin).body.list("domains").count == 1)
        }
    }

    @Test func bootstrapIsIdempotentAndKeepsThePassword() async throws {
        try await withHarness(try await IdentityHarness.start()) { h in
            #expect(try await !IdentityBootstrap.needed(h.store))
            let again = try await IdentityBootstrap(adminPassword: "other").run(store: h.store, hasher: h.identity.hasher)
            #expect(again.created.isEmpty)
            _ = try await h.token()  // still "secret"
        }
    }

    /// `[keystone_authtoken]` validation, exercised against the built-in identity as the "external" Keystone.
    @Test func keystoneValidatorAsksAnIdentityServer() async throws {
        try await withHarness(try await IdentityHarness.start()) { h in
            let user = try await h.token()
            for withServiceUser in [true, false] {
                var overrides = ["keystone_authtoken.auth_url": h.base]
                if withServiceUser {
                    overrides.merge(["keystone_authtoken.username": "admin", "keystone_authtoken.password": "secret",
                                     "keystone_authtoken.project_name": "admin"]) { $1 }
                }
                let config = try NimbusConfig(files: [], environment: [:], overrides: overrides)
                let validator = try KeystoneTokenValidator(config: config, logger: Logger(label: "test"))
                #expect(validator.identityURL == h.base + "/v3")
                let ctx = try await validator.validate(token: user)
                #expect(ctx.userName == "admin" && ctx.projectName == "admin" && ctx.roles.contains("admin"))
                await #expect(throws: TokenError.self) { try await validator.validate(token: "bogus") }
            }
        }
    }
}
