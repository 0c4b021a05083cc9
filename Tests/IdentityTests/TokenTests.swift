import Foundation
import NimbusKernelTestKit
import NimbusIdentity
import NimbusKernel
import NimbusStore
import Testing

@Suite struct DiscoveryAndTokenTests {
    @Test func discoveryDocumentsHaveAbsoluteSelfLinks() async throws {
        try await withHarness(try await IdentityHarness.start()) { h in
            let root = try await h.request("GET", "/")
            #expect(root.status == 300)
            let values = root.body.obj("versions").list("values")
            #expect(values.first?.str("id") == "v3.14")
            let v3 = try await h.request("GET", "/v3")
            #expect(v3.status == 200)
            let version = v3.body.obj("version")
            #expect(version.str("status") == "stable")
            #expect(version.list("links").first?.str("href") == h.base + "/v3/")
        }
    }

    @Test func passwordAuthScopedByNameReturnsTokenRolesAndCatalog() async throws {
        try await withHarness(try await IdentityHarness.start()) { h in
            let r = try await h.request("POST", "/v3/auth/tokens", IdentityHarness.passwordAuth(
                user: "admin", password: "secret", project: ["name": "admin", "domain": ["name": "Default"]]))
            #expect(r.status == 201)
            #expect((r.header("X-Subject-Token") ?? "").count > 40)
            let token = r.body.obj("token")
            let expires = token.str("expires_at") ?? ""
            #expect(expires.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"#, options: .regularExpression) != nil)
            #expect(token["methods"] as? [String] == ["password"])
            #expect(token.obj("user").str("name") == "admin")
            #expect(token.obj("user").obj("domain").str("id") == "default")
            #expect(token.obj("project").str("name") == "admin")
            #expect(Set(token.list("roles").compactMap { $0.str("name") }) == ["admin", "member", "reader"])
            let catalog = token.list("catalog")
            #expect(Set(catalog.compactMap { $0.str("type") }) == ["identity", "compute", "image"])
            let compute = catalog.first { $0.str("type") == "compute" } ?? [:]
            #expect(Set(compute.list("endpoints").compactMap { $0.str("interface") }) == ["public", "internal", "admin"])
            #expect(compute.list("endpoints").allSatisfy { $0.str("region") == "RegionOne" && $0.str("region_id") == "RegionOne" })
            #expect(compute.list("endpoints").first?.str("url") == "http://127.0.0.1:18774/v2.1")
            let identity = catalog.first { $0.str("type") == "identity" } ?? [:]
            #expect(identity.list("endpoints").first?.str("url") == "http://127.0.0.1:5000/v3")  // stored by bootstrap

            let nocatalog = try await h.request("POST", "/v3/auth/tokens?nocatalog", IdentityHarness.passwordAuth(
                user: "admin", password: "secret", project: ["name": "admin", "domain": ["name": "Default"]]))
            #expect(nocatalog.body.obj("token")["catalog"] == nil)
        }
    }

    @Test func scopeByIdUnscopedAndRescopeWithTokenMethod() async throws {
        try await withHarness(try await IdentityHarness.start()) { h in
            let project = try #require(try await h.store.project(name: "admin", domainID: "default"))
            let byID = try await h.request("POST", "/v3/auth/tokens", IdentityHarness.passwordAuth(
                user: "admin", password: "secret", project: ["id": project.id]))
            #expect(byID.status == 201)
            #expect(byID.body.obj("token").obj("project").str("id") == project.id)
            let byDomainID = try await h.request("POST", "/v3/auth/tokens", IdentityHarness.passwordAuth(
                user: "admin", password: "secret", project: ["name": "admin", "domain": ["id": "default"]]))
            #expect(byDomainID.status == 201)

            var unscopedBody = IdentityHarness.passwordAuth(user: "admin", password: "secret", project: nil)
            var auth = unscopedBody["auth"] as! [String: Any]
            auth["scope"] = "unscoped"
            unscopedBody["auth"] = auth
            let unscoped = try await h.request("POST", "/v3/auth/tokens", unscopedBody)
            #expect(unscoped.status == 201)
            #expect(unscoped.body.obj("token")["project"] == nil)
            #expect(unscoped.body.obj("token")["catalog"] == nil)
            let unscopedToken = try #require(unscoped.header("X-Subject-Token"))
            await #expect(throws: TokenError.self) { try await h.identity.tokenValidator.validate(token: unscopedToken) }

            let rescoped = try await h.request("POST", "/v3/auth/tokens", ["auth": [
                "identity": ["methods": ["token"], "token": ["id": unscopedToken]],
                "scope": ["project": ["id": project.id]]]])
            #expect(rescoped.status == 201)
            let t = rescoped.body.obj("token")
            #expect(t.obj("project").str("id") == project.id)
            #expect(t.str("expires_at") == unscoped.body.obj("token").str("expires_at"))
            #expect((t["audit_ids"] as? [String])?.count == 2)
        }
    }

    @Test func badCredentialsAndBodiesAnswerKeystoneErrors() async throws {
        try await withHarness(try await IdentityHarness.start()) { h in
            let wrong = try await h.request("POST", "/v3/auth/tokens", IdentityHarness.passwordAuth(
                user: "admin", password: "nope", project: ["name": "admin", "domain": ["name": "Default"]]))
            #expect(wrong.status == 401)
            #expect(wrong.body.obj("error")["code"] as? Int == 401)
            #expect(wrong.body.obj("error").str("title") == "Unauthorized")
            #expect(wrong.header("WWW-Authenticate")?.hasPrefix("Keystone uri=") == true)
            let unknown = try await h.request("POST", "/v3/auth/tokens", IdentityHarness.passwordAuth(
                user: "ghost", password: "secret", project: nil))
            #expect(unknown.status == 401)
            let noProject = try await h.request("POST", "/v3/auth/tokens", IdentityHarness.passwordAuth(
                user: "admin", password: "secret", project: ["name": "nope", "domain": ["name": "Default"]]))
            #expect(noProject.status == 401)
            let malformed = try await h.request("POST", "/v3/auth/tokens", Data("{not json".utf8))
            #expect(malformed.status == 400)
            #expect(malformed.body.obj("error").str("title") == "Bad Request")
            let noIdentity = try await h.request("POST", "/v3/auth/tokens", ["auth": [:] as [String: Any]])
            #expect(noIdentity.status == 400)
            #expect(noIdentity.body.obj("error").str("message")?.contains("identity") == true)
            let badMethod = try await h.request("POST", "/v3/auth/tokens", ["auth": ["identity": ["methods": ["totp"]]]])
            #expect(badMethod.status == 401)
            let noRoute = try await h.request("GET", "/v3/nothing-here")
            #expect(noRoute.status == 404)
            #expect(noRoute.body.obj("error")["code"] as? Int == 404)
        }
    }

    @Test func validateCheckAndRevoke() async throws {
        try await withHarness(try await IdentityHarness.start()) { h in
            let admin = try await h.token()
            let subject = try await h.token()
            let got = try await h.request("GET", "/v3/auth/tokens", token: admin, headers: ["X-Subject-Token": subject])
            #expect(got.status == 200)
            #expect(got.header("X-Subject-Token") == subject)
            #expect(got.body.obj("token").obj("user").str("name") == "admin")
            #expect(try await h.request("HEAD", "/v3/auth/tokens", token: admin, headers: ["X-Subject-Token": subject]).status == 200)
            let ctx = try await h.identity.tokenValidator.validate(token: subject)
            #expect(ctx.userName == "admin" && ctx.projectName == "admin" && ctx.isAdmin)

            #expect(try await h.request("DELETE", "/v3/auth/tokens", token: admin, headers: ["X-Subject-Token": subject]).status == 204)
            #expect(try await h.request("GET", "/v3/auth/tokens", token: admin, headers: ["X-Subject-Token": subject]).status == 404)
            #expect(try await h.request("HEAD", "/v3/auth/tokens", token: admin, headers: ["X-Subject-Token": subject]).status == 404)
            await #expect(throws: TokenError.self) { try await h.identity.tokenValidator.validate(token: subject) }
            #expect(try await h.request("GET", "/v3/auth/tokens", token: subject, headers: ["X-Subject-Token": admin]).status == 401)
            // The admin's own token is untouched.
            #expect(try await h.request("GET", "/v3/auth/tokens", token: admin, headers: ["X-Subject-Token": admin]).status == 200)

            // A token with a flipped byte in its signature is refused.
            var tampered = Array(admin)
            tampered[tampered.count - 2] = tampered[tampered.count - 2] == "A" ? "B" : "A"
            await #expect(throws: TokenError.self) { try await h.identity.tokenValidator.validate(token: String(tampered)) }
            #expect(try await h.request("GET", "/v3/auth/tokens", token: admin,
                                        headers: ["X-Subject-Token": "garbage"]).status == 404)
        }
    }

    @Test func tokensExpire() async throws {
        try await withHarness(try await IdentityHarness.start(expiration: 1)) { h in
            let t = try await h.token()
            // No check that it is valid first: on a loaded machine the one second may already be over (a fresh
            // token's validity is covered above). Past its lifetime it must be refused.
            try await Task.sleep(for: .milliseconds(1300))
            await #expect(throws: TokenError.self) { try await h.identity.tokenValidator.validate(token: t) }
            #expect(try await h.request("GET", "/v3/projects", token: t).status == 401)
        }
    }

    @Test func passwordHashesArePBKDF2AndVerify() async throws {
        let hasher = PasswordHasher(rounds: 1000)
        let hash = try await hasher.hash("correct horse")
        #expect(hash.hasPrefix("$pbkdf2-sha512$1000$"))
        #expect(await hasher.verify("correct horse", against: hash))
        #expect(!(await hasher.verify("correct horsE", against: hash)))
        #expect(!(await hasher.verify("x", against: "$pbkdf2-sha512$x$y$z")))
        #expect(try await hasher.hash("correct horse") != hash)  // salted
    }
}

@Suite struct ValidationCostTests {
    /// Every Compute API request validates its token, so repeated validations must not each read the store: a
    /// bound on work done (store reads after the first), not on time.
    @Test func repeatedValidationsOfOneTokenReadTheStoreOnce() async throws {
        try await withHarness(try await IdentityHarness.start(cacheTime: 3600)) { h in
            let t = try await h.token()
            let v = h.identity.tokenValidator
            _ = try await v.validate(token: t)
            // Disable the user behind the identity service's back (a direct store write leaves its cache alone): from
            // here on, any validation that read the store would be refused.
            var user = try #require(try await h.store.user(name: "admin", domainID: "default"))
            user.enabled = false
            try await h.store.updateUser(user)
            for _ in 0..<2000 { _ = try await v.validate(token: t) }
            // The check itself: once the cache is cleared, the store is read and the token refused.
            h.identity.invalidateCache()
            await #expect(throws: TokenError.self) { try await v.validate(token: t) }
        }
    }
}
