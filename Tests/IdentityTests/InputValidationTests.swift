import Foundation
import NimbusKernelTestKit
import NimbusStore
import Testing

/// Strings that SQLite would cut at a NUL, control characters in names, and bodies the JSON parser refuses:
/// all 400 in Keystone's error body, before anything is stored or looked up.
@Suite struct IdentityInputValidationTests {
    static func isKeystone400(_ r: IdentityHarness.Reply) -> Bool {
        r.status == 400 && r.body.obj("error")["code"] as? Int == 400 && r.body.obj("error")["message"] is String
    }

    @Test func nulIsRefusedInNamesAndCannotImpersonate() async throws {
        try await withHarness(try await IdentityHarness.start()) { h in
            let admin = try await h.token()
            // Was 201 stored as "a", and 409 (a duplicate of "admin"), and an admin token.
            let cut = try await h.request("POST", "/v3/users", ["user": ["name": "a\u{0}b", "password": "pw"]], token: admin)
            #expect(Self.isKeystone400(cut))
            #expect(try await h.store.user(name: "a", domainID: "default") == nil)
            #expect(Self.isKeystone400(try await h.request("POST", "/v3/users", ["user": ["name": "admin\u{0}evil"]], token: admin)))
            let login = try await h.request("POST", "/v3/auth/tokens", IdentityHarness.passwordAuth(
                user: "admin\u{0}zzz", password: "secret", project: ["name": "admin", "domain": ["name": "Default"]]))
            #expect(Self.isKeystone400(login) && login.header("X-Subject-Token") == nil)
            let password = try await h.request("POST", "/v3/auth/tokens", IdentityHarness.passwordAuth(
                user: "admin", password: "secret\u{0}x", project: ["name": "admin", "domain": ["name": "Default"]]))
            #expect(Self.isKeystone400(password))
            let scope = try await h.request("POST", "/v3/auth/tokens", IdentityHarness.passwordAuth(
                user: "admin", password: "secret", project: ["name": "admin\u{0}x", "domain": ["name": "Default"]]))
            #expect(Self.isKeystone400(scope))

            for (path, key) in [("/v3/projects", "project"), ("/v3/domains", "domain"), ("/v3/roles", "role")] {
                #expect(Self.isKeystone400(try await h.request("POST", path, [key: ["name": "x\u{0}y"]], token: admin)), "\(path)")
                // Any string in a body, not only names.
                #expect(Self.isKeystone400(try await h.request("POST", path, [key: ["name": "ok", "description": "d\u{0}"]], token: admin)))
            }
            let users = try await h.request("GET", "/v3/users", token: admin).body.list("users")
            let me = try #require(users.first?.str("id"))
            #expect(Self.isKeystone400(try await h.request("PATCH", "/v3/users/\(me)", ["user": ["name": "admin\u{0}2"]], token: admin)))
            #expect(Self.isKeystone400(try await h.request("PATCH", "/v3/users/\(me)", ["user": ["password": "p\u{0}"]], token: admin)))
            #expect(Self.isKeystone400(try await h.request("POST", "/v3/users", ["user\u{0}": ["name": "k"]], token: admin)))
            #expect(try await h.store.user(id: me)?.name == "admin")
        }
    }

    @Test func controlCharactersAreRefusedInNamesOnly() async throws {
        try await withHarness(try await IdentityHarness.start()) { h in
            let admin = try await h.token()
            for (path, key) in [("/v3/users", "user"), ("/v3/projects", "project"), ("/v3/domains", "domain"), ("/v3/roles", "role")] {
                for name in ["tab\there", "line\nbreak", "bell\u{7}", "del\u{7F}"] {
                    #expect(Self.isKeystone400(try await h.request("POST", path, [key: ["name": name]], token: admin)), "\(path) \(name)")
                }
                // Descriptions may hold line breaks, as in Keystone; names may hold any printable Unicode.
                let fine = try await h.request("POST", path, [key: ["name": "ünï-\(key)", "description": "two\nlines"]], token: admin)
                #expect(fine.status == 201, "\(path)")
            }
        }
    }

    @Test func nulInTheURLIsRefused() async throws {
        try await withHarness(try await IdentityHarness.start()) { h in
            let admin = try await h.token()
            for path in ["/v3/users?name=admin%00x", "/v3/projects?name=%00", "/v3/users/%00", "/v3/roles?name=admin%00"] {
                #expect(Self.isKeystone400(try await h.request("GET", path, token: admin)), "\(path)")
            }
        }
    }

    /// Found by the generated-input test: renaming a domain onto another's name was a 500 (the UNIQUE index).
    @Test func renamingOntoAnExistingNameIsAConflict() async throws {
        try await withHarness(try await IdentityHarness.start()) { h in
            let admin = try await h.token()
            for (path, key) in [("/v3/domains", "domain"), ("/v3/projects", "project"), ("/v3/users", "user"), ("/v3/roles", "role")] {
                let made = try await h.request("POST", path, [key: ["name": "second"]], token: admin)
                let id = try #require(made.body.obj(key).str("id"))
                let taken = key == "domain" ? "Default" : key == "role" ? "member" : "admin"
                let r = try await h.request("PATCH", "\(path)/\(id)", [key: ["name": taken]], token: admin)
                #expect(r.status == 409 && r.body.obj("error")["code"] as? Int == 409, "\(path): \(r.status)")
            }
        }
    }

    @Test func parserErrorsHaveKeystoneBodies() async throws {
        try await withHarness(try await IdentityHarness.start()) { h in
            let admin = try await h.token()
            for body in ["{oops", "", "[]", "\"project\""] {
                let r = try await h.request("POST", "/v3/projects", Data(body.utf8), token: admin)
                #expect(Self.isKeystone400(r), "\(body): \(r.status) \(String(decoding: r.raw, as: UTF8.self))")
            }
            let typed = try await h.request("POST", "/v3/projects", Data("{\"project\": {\"name\": \"x\"}}".utf8), token: admin,
                                            headers: ["Content-Type": "text/plain"])
            #expect(Self.isKeystone400(typed))
            #expect((typed.body.obj("error")["message"] as? String)?.contains("application/json") == true)
            let charset = try await h.request("POST", "/v3/projects", Data("{\"project\": {\"name\": \"y\"}}".utf8), token: admin,
                                              headers: ["Content-Type": "application/json; charset=utf-8"])
            #expect(charset.status == 201)
        }
    }
}
