import Foundation
import NimbusJSON
import HTTPTypes
import Hummingbird
import NimbusStore

/// Domains, projects and users (admin only, except reading one's own user and projects).
extension IdentityAPI {
    func addResourceRoutes(_ router: Router<BasicRequestContext>) {
        // MARK: domains
        router.get("/v3/domains") { req, _ in
            try await requireAdmin(req)
            let domains = try await identity.store.domains(name: Query(req)["name"])
            return json(.ok, ["domains": .array(domains.map { Self.domainJSON($0, req) }), "links": Self.collectionLinks(req)])
        }
        router.post("/v3/domains") { req, _ in
            try await requireAdmin(req)
            let o = try Self.object(try await Self.body(req), "domain")
            let d = DomainRecord(id: try Self.string(o, "id") ?? Self.newID(),
                                 name: try Self.name(o, required: true, maxLength: 64)!,
                                 description: try Self.string(o, "description", maxLength: 65535) ?? "",
                                 enabled: try Self.bool(o, "enabled") ?? true)
            return json(.created, ["domain": Self.domainJSON(try await identity.store.createDomain(d), req)])
        }
        router.get("/v3/domains/{id}") { req, ctx in
            try await requireAdmin(req)
            return json(.ok, ["domain": Self.domainJSON(try await domain(ctx), req)])
        }
        router.patch("/v3/domains/{id}") { req, ctx in
            try await requireAdmin(req)
            let o = try Self.object(try await Self.body(req), "domain")
            var d = try await domain(ctx)
            d.name = try Self.name(o, maxLength: 64) ?? d.name
            d.description = try Self.string(o, "description", maxLength: 65535) ?? d.description
            d.enabled = try Self.bool(o, "enabled") ?? d.enabled
            try await identity.store.updateDomain(d)
            return json(.ok, ["domain": Self.domainJSON(d, req)])
        }
        router.delete("/v3/domains/{id}") { req, ctx in
            try await requireAdmin(req)
            let d = try await domain(ctx)
            guard !d.enabled else {
                throw KeystoneError.forbidden("Cannot delete a domain that is enabled, please disable it first.")
            }
            try await identity.store.deleteDomain(id: d.id)
            return empty(.noContent)
        }

        // MARK: projects
        router.get("/v3/projects") { req, _ in
            try await requireAdmin(req)
            let q = Query(req)
            var projects = try await identity.store.projects(name: q["name"], domainID: q["domain_id"])
            if let e = q["enabled"] { projects = projects.filter { $0.enabled == (e.lowercased() != "false" && e != "0") } }
            return json(.ok, ["projects": .array(projects.map { Self.projectJSON($0, req) }), "links": Self.collectionLinks(req)])
        }
        router.post("/v3/projects") { req, _ in
            let caller = try await requireAdmin(req)
            let o = try Self.object(try await Self.body(req), "project")
            let domainID = try Self.string(o, "domain_id") ?? caller.subject.project?.domainID ?? "default"
            if let parent = try Self.string(o, "parent_id"), parent != domainID {
                throw KeystoneError.badRequest("Nimbus projects are flat: parent_id must be the project's domain.")
            }
            if try Self.bool(o, "is_domain") == true { throw KeystoneError.badRequest("Projects acting as domains are not supported.") }
            let p = ProjectRecord(id: Self.newID(), name: try Self.name(o, required: true, maxLength: 64)!,
                                  domainID: domainID, description: try Self.string(o, "description", maxLength: 65535) ?? "",
                                  enabled: try Self.bool(o, "enabled") ?? true)
            guard try await identity.store.domain(id: domainID) != nil else {
                throw KeystoneError.badRequest("Could not find domain: \(domainID).")
            }
            return json(.created, ["project": Self.projectJSON(try await identity.store.createProject(p), req)])
        }
        router.get("/v3/projects/{id}") { req, ctx in
            let caller = try await caller(req)
            let p = try await project(ctx)
            guard caller.isAdmin || caller.subject.project?.id == p.id else { throw KeystoneError.forbidden() }
            return json(.ok, ["project": Self.projectJSON(p, req)])
        }
        router.patch("/v3/projects/{id}") { req, ctx in
            try await requireAdmin(req)
            let o = try Self.object(try await Self.body(req), "project")
            var p = try await project(ctx)
            p.name = try Self.name(o, maxLength: 64) ?? p.name
            p.description = try Self.string(o, "description", maxLength: 65535) ?? p.description
            p.enabled = try Self.bool(o, "enabled") ?? p.enabled
            try await identity.store.updateProject(p)
            return json(.ok, ["project": Self.projectJSON(p, req)])
        }
        router.delete("/v3/projects/{id}") { req, ctx in
            try await requireAdmin(req)
            try await identity.store.deleteProject(id: try await project(ctx).id)
            return empty(.noContent)
        }

        // MARK: users
        router.get("/v3/users") { req, _ in
            try await requireAdmin(req)
            let q = Query(req)
            var users = try await identity.store.users(name: q["name"], domainID: q["domain_id"])
            if let e = q["enabled"] { users = users.filter { $0.enabled == (e.lowercased() != "false" && e != "0") } }
            return json(.ok, ["users": .array(users.map { Self.userJSON($0, req) }), "links": Self.collectionLinks(req)])
        }
        router.post("/v3/users") { req, _ in
            let caller = try await requireAdmin(req)
            let o = try Self.object(try await Self.body(req), "user")
            let domainID = try Self.string(o, "domain_id") ?? caller.subject.project?.domainID ?? "default"
            guard try await identity.store.domain(id: domainID) != nil else {
                throw KeystoneError.badRequest("Could not find domain: \(domainID).")
            }
            var u = UserRecord(id: Self.newID(), name: try Self.name(o, required: true)!, domainID: domainID,
                               defaultProjectID: try Self.string(o, "default_project_id"),
                               email: try Self.string(o, "email"),
                               description: try Self.string(o, "description", maxLength: 65535),
                               enabled: try Self.bool(o, "enabled") ?? true)
            if let pid = u.defaultProjectID, try await identity.store.project(id: pid) == nil {
                throw KeystoneError.badRequest("Could not find project: \(pid).")
            }
            if let password = try Self.string(o, "password", maxLength: PasswordHasher.maxPasswordLength) {
                u.passwordHash = try await identity.hasher.hash(password)
                u.passwordChangedAt = Date()
            }
            return json(.created, ["user": Self.userJSON(try await identity.store.createUser(u), req)])
        }
        router.get("/v3/users/{id}") { req, ctx in
            let caller = try await caller(req)
            let u = try await user(ctx)
            guard caller.isAdmin || caller.subject.user.id == u.id else { throw KeystoneError.forbidden() }
            return json(.ok, ["user": Self.userJSON(u, req)])
        }
        router.patch("/v3/users/{id}") { req, ctx in
            try await requireAdmin(req)
            let o = try Self.object(try await Self.body(req), "user")
            var u = try await user(ctx)
            u.name = try Self.name(o) ?? u.name
            u.email = try Self.string(o, "email") ?? u.email
            u.description = try Self.string(o, "description", maxLength: 65535) ?? u.description
            u.enabled = try Self.bool(o, "enabled") ?? u.enabled
            if o["default_project_id"] != nil { u.defaultProjectID = try Self.string(o, "default_project_id") }
            if let password = try Self.string(o, "password", maxLength: PasswordHasher.maxPasswordLength) {
                u.passwordHash = try await identity.hasher.hash(password)
                u.passwordChangedAt = Date()
            }
            try await identity.store.updateUser(u)
            return json(.ok, ["user": Self.userJSON(u, req)])
        }
        router.post("/v3/users/{id}/password") { req, ctx in
            let caller = try await caller(req)
            var u = try await user(ctx)
            guard caller.subject.user.id == u.id else { throw KeystoneError.forbidden() }
            let o = try Self.object(try await Self.body(req), "user")
            let original = try Self.string(o, "original_password", required: true, maxLength: PasswordHasher.maxPasswordLength)!
            let password = try Self.string(o, "password", required: true, maxLength: PasswordHasher.maxPasswordLength)!
            guard let hash = u.passwordHash, await identity.hasher.verify(original, against: hash) else {
                throw KeystoneError.unauthorized()
            }
            u.passwordHash = try await identity.hasher.hash(password)
            u.passwordChangedAt = Date()
            try await identity.store.updateUser(u)
            return empty(.noContent)
        }
        router.delete("/v3/users/{id}") { req, ctx in
            try await requireAdmin(req)
            try await identity.store.deleteUser(id: try await user(ctx).id)
            return empty(.noContent)
        }
        router.get("/v3/users/{id}/projects") { req, ctx in
            let caller = try await caller(req)
            let u = try await user(ctx)
            guard caller.isAdmin || caller.subject.user.id == u.id else { throw KeystoneError.forbidden() }
            let projects = try await identity.store.projects(ofUser: u.id)
            return json(.ok, ["projects": .array(projects.map { Self.projectJSON($0, req) }), "links": Self.collectionLinks(req)])
        }
    }

    // MARK: lookups (404 in Keystone's words)

    func domain(_ ctx: BasicRequestContext) async throws -> DomainRecord {
        let id = ctx.parameters.get("id") ?? ""
        guard let d = try await identity.store.domain(id: id) else { throw KeystoneError.notFound("Could not find domain: \(id).") }
        return d
    }

    func project(_ ctx: BasicRequestContext, _ key: String = "id") async throws -> ProjectRecord {
        let id = ctx.parameters.get(key) ?? ""
        guard let p = try await identity.store.project(id: id) else { throw KeystoneError.notFound("Could not find project: \(id).") }
        return p
    }

    func user(_ ctx: BasicRequestContext, _ key: String = "id") async throws -> UserRecord {
        let id = ctx.parameters.get(key) ?? ""
        guard let u = try await identity.store.user(id: id) else { throw KeystoneError.notFound("Could not find user: \(id).") }
        return u
    }

    // MARK: views

    static func domainJSON(_ d: DomainRecord, _ req: Request) -> JSON {
        ["id": .string(d.id), "name": .string(d.name), "description": .string(d.description), "enabled": .bool(d.enabled),
         "tags": [], "options": [:], "links": ["self": .string(baseURL(req) + "/v3/domains/" + d.id)]]
    }

    static func projectJSON(_ p: ProjectRecord, _ req: Request) -> JSON {
        ["id": .string(p.id), "name": .string(p.name), "domain_id": .string(p.domainID), "description": .string(p.description),
         "enabled": .bool(p.enabled), "parent_id": .string(p.domainID), "is_domain": false, "tags": [], "options": [:],
         "links": ["self": .string(baseURL(req) + "/v3/projects/" + p.id)]]
    }

    static func userJSON(_ u: UserRecord, _ req: Request) -> JSON {
        var o: [String: JSON] = [
            "id": .string(u.id), "name": .string(u.name), "domain_id": .string(u.domainID), "enabled": .bool(u.enabled),
            "password_expires_at": nil, "options": [:], "links": ["self": .string(baseURL(req) + "/v3/users/" + u.id)],
        ]
        if let p = u.defaultProjectID { o["default_project_id"] = .string(p) }
        if let e = u.email { o["email"] = .string(e) }
        if let d = u.description { o["description"] = .string(d) }
        return .object(o)
    }
}
