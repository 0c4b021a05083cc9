import Foundation
import NimbusJSON
import HTTPTypes
import Hummingbird
import NimbusStore

/// Roles, implied roles, grants on projects and domains, and `GET /v3/role_assignments`.
extension IdentityAPI {
    func addRoleRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/v3/roles") { req, _ in
            try await requireAdmin(req)
            let roles = try await identity.store.roles(name: Query(req)["name"])
            return json(.ok, ["roles": .array(roles.map { Self.roleJSON($0, req) }), "links": Self.collectionLinks(req)])
        }
        router.post("/v3/roles") { req, _ in
            try await requireAdmin(req)
            let o = try Self.object(try await Self.body(req), "role")
            let r = RoleRecord(id: Self.newID(), name: try Self.name(o, required: true)!,
                               description: try Self.string(o, "description", maxLength: 65535))
            return json(.created, ["role": Self.roleJSON(try await identity.store.createRole(r), req)])
        }
        router.get("/v3/roles/{id}") { req, ctx in
            try await requireAdmin(req)
            return json(.ok, ["role": Self.roleJSON(try await role(ctx), req)])
        }
        router.patch("/v3/roles/{id}") { req, ctx in
            try await requireAdmin(req)
            let o = try Self.object(try await Self.body(req), "role")
            var r = try await role(ctx)
            r.name = try Self.name(o) ?? r.name
            r.description = try Self.string(o, "description", maxLength: 65535) ?? r.description
            try await identity.store.updateRole(r)
            return json(.ok, ["role": Self.roleJSON(r, req)])
        }
        router.delete("/v3/roles/{id}") { req, ctx in
            try await requireAdmin(req)
            try await identity.store.deleteRole(id: try await role(ctx).id)
            return empty(.noContent)
        }
        router.put("/v3/roles/{id}/implies/{implied}") { req, ctx in
            try await requireAdmin(req)
            let prior = try await role(ctx)
            let implied = try await role(ctx, "implied")
            try await identity.store.addImpliedRole(prior: prior.id, implied: implied.id)
            return json(.created, ["role_inference": ["prior_role": Self.roleRef(prior, req), "implies": Self.roleRef(implied, req)]])
        }
        router.get("/v3/role_inferences") { req, _ in
            try await requireAdmin(req)
            let roles = Dictionary(uniqueKeysWithValues: try await identity.store.roles().map { ($0.id, $0) })
            let pairs = try await identity.store.impliedRoles()
            let grouped = Dictionary(grouping: pairs, by: \.prior)
            return json(.ok, ["role_inferences": .array(grouped.keys.sorted().compactMap { prior in
                guard let p = roles[prior] else { return nil }
                return ["prior_role": Self.roleRef(p, req),
                        "implies": .array(grouped[prior]!.compactMap { roles[$0.implied].map { Self.roleRef($0, req) } })]
            })])
        }

        for target in [RoleAssignmentRecord.Target.project, .domain] {
            let base = "/v3/\(target.rawValue)s/{id}/users/{user}/roles"
            router.get(RouterPath(base)) { req, ctx in
                try await requireAdmin(req)
                let (a, _) = try await assignment(ctx, target, roleKey: nil)
                let roles = try await identity.store.roleAssignments(userID: a.userID, target: target, targetID: a.targetID)
                var out: [JSON] = []
                for r in roles { if let role = try await identity.store.role(id: r.roleID) { out.append(Self.roleJSON(role, req)) } }
                return json(.ok, ["roles": .array(out), "links": Self.collectionLinks(req)])
            }
            router.put(RouterPath(base + "/{role}")) { req, ctx in
                try await requireAdmin(req)
                try await identity.store.grant(try await assignment(ctx, target, roleKey: "role").0)
                return empty(.noContent)
            }
            for method in [HTTPRequest.Method.head, .get] {
                router.on(RouterPath(base + "/{role}"), method: method) { req, ctx in
                    try await requireAdmin(req)
                    let (a, role) = try await assignment(ctx, target, roleKey: "role")
                    guard try await identity.store.hasAssignment(a) else {
                        throw KeystoneError.notFound("Could not find role assignment with role: \(role), user or group: "
                                                     + "\(a.userID), project, domain, or system: \(a.targetID).")
                    }
                    return empty(.noContent)
                }
            }
            router.delete(RouterPath(base + "/{role}")) { req, ctx in
                try await requireAdmin(req)
                let (a, role) = try await assignment(ctx, target, roleKey: "role")
                guard try await identity.store.hasAssignment(a) else {
                    throw KeystoneError.notFound("Could not find role assignment with role: \(role), user or group: "
                                                 + "\(a.userID), project, domain, or system: \(a.targetID).")
                }
                try await identity.store.revoke(a)
                return empty(.noContent)
            }
        }

        router.get("/v3/role_assignments") { req, _ in
            try await requireAdmin(req)
            return json(.ok, ["role_assignments": .array(try await roleAssignments(req)), "links": Self.collectionLinks(req)])
        }
    }

    /// Keystone's `GET /v3/role_assignments` with `user.id`, `scope.project.id`, `scope.domain.id`, `role.id`,
    /// `effective` (expands implied roles) and `include_names`. Groups and system scope hold nothing here.
    func roleAssignments(_ req: Request) async throws -> [JSON] {
        let q = Query(req)
        if q.has("group.id") || q.has("scope.system") { return [] }
        var target: RoleAssignmentRecord.Target? = nil
        var targetID: String? = nil
        if let p = q["scope.project.id"] { (target, targetID) = (.project, p) }
        if let d = q["scope.domain.id"] { (target, targetID) = (.domain, d) }
        let roleFilter = q["role.id"]
        var rows = try await identity.store.roleAssignments(userID: q["user.id"], target: target, targetID: targetID,
                                                            roleID: q.has("effective") ? nil : roleFilter)
            .map { ($0, String?.none) }
        if q.has("effective") {
            // Close over implications: each implied role appears as its own assignment with its prior role.
            let implied = try await identity.store.impliedRoles()
            var seen = Set(rows.map { "\($0.0.userID)|\($0.0.target)|\($0.0.targetID)|\($0.0.roleID)" })
            var i = 0
            while i < rows.count {
                let (a, _) = rows[i]
                for pair in implied where pair.prior == a.roleID {
                    var b = a
                    b.roleID = pair.implied
                    if seen.insert("\(b.userID)|\(b.target)|\(b.targetID)|\(b.roleID)").inserted { rows.append((b, a.roleID)) }
                }
                i += 1
            }
            if let roleFilter { rows = rows.filter { $0.0.roleID == roleFilter } }
        }
        let names = q.has("include_names") && q["include_names"]?.lowercased() != "false"
        let base = Self.baseURL(req)
        var out: [JSON] = []
        for (a, prior) in rows {
            var role: [String: JSON] = ["id": .string(a.roleID)]
            var user: [String: JSON] = ["id": .string(a.userID)]
            var scope: [String: JSON] = ["id": .string(a.targetID)]
            if names {
                role["name"] = .optional(try await identity.store.role(id: a.roleID)?.name)
                if let u = try await identity.store.user(id: a.userID) {
                    user["name"] = .string(u.name)
                    user["domain"] = try await domainRef(u.domainID)
                }
                if a.target == .project, let p = try await identity.store.project(id: a.targetID) {
                    scope["name"] = .string(p.name)
                    scope["domain"] = try await domainRef(p.domainID)
                } else if a.target == .domain {
                    scope["name"] = .optional(try await identity.store.domain(id: a.targetID)?.name)
                }
            }
            var links: [String: JSON] = [
                "assignment": .string("\(base)/v3/\(a.target.rawValue)s/\(a.targetID)/users/\(a.userID)/roles/\(prior ?? a.roleID)"),
            ]
            if let prior { links["prior_role"] = .string("\(base)/v3/roles/\(prior)") }
            out.append(["role": .object(role), "user": .object(user), "scope": .object([a.target.rawValue: .object(scope)]),
                        "links": .object(links)])
        }
        return out
    }

    func domainRef(_ id: String) async throws -> JSON {
        ["id": .string(id), "name": .optional(try await identity.store.domain(id: id)?.name)]
    }

    func role(_ ctx: BasicRequestContext, _ key: String = "id") async throws -> RoleRecord {
        let id = ctx.parameters.get(key) ?? ""
        guard let r = try await identity.store.role(id: id) else { throw KeystoneError.notFound("Could not find role: \(id).") }
        return r
    }

    /// The assignment a grant path names, after checking that its target, user and role exist.
    func assignment(_ ctx: BasicRequestContext, _ target: RoleAssignmentRecord.Target, roleKey: String?) async throws
        -> (RoleAssignmentRecord, String)
    {
        let targetID = ctx.parameters.get("id") ?? ""
        switch target {
        case .project: _ = try await project(ctx)
        case .domain:
            guard try await identity.store.domain(id: targetID) != nil else {
                throw KeystoneError.notFound("Could not find domain: \(targetID).")
            }
        }
        let user = try await user(ctx, "user")
        var roleID = ""
        if let roleKey { roleID = try await role(ctx, roleKey).id }
        return (RoleAssignmentRecord(userID: user.id, target: target, targetID: targetID, roleID: roleID), roleID)
    }

    static func roleJSON(_ r: RoleRecord, _ req: Request) -> JSON {
        ["id": .string(r.id), "name": .string(r.name), "domain_id": nil, "description": .optional(r.description),
         "options": [:], "links": ["self": .string(baseURL(req) + "/v3/roles/" + r.id)]]
    }

    static func roleRef(_ r: RoleRecord, _ req: Request) -> JSON {
        ["id": .string(r.id), "name": .string(r.name), "links": ["self": .string(baseURL(req) + "/v3/roles/" + r.id)]]
    }
}
