import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusStore

/// os-server-groups: `policies`/`metadata` before 2.64, `policy`/`rules` from 2.64; soft policies 2.15+;
/// `project_id`/`user_id` 2.13+.
extension ComputeAPI {
    func addServerGroupRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.get("os-server-groups") { req, ctx in
            try Policy.reader(ctx, "os_compute_api:os-server-groups:index")
            let q = Self.query(req)
            let all = q["all_projects"]?.last.map { ["true", "1", "yes"].contains($0.lowercased()) } ?? false
            if all { try Policy.admin(ctx, "os_compute_api:os-server-groups:index:all_projects") }
            var groups = try await store.serverGroups(project: all ? nil : ctx.auth.projectID)
            let offset = Int(q["offset"]?.last ?? "0") ?? 0
            groups = Array(groups.dropFirst(max(0, offset)).prefix(try page(q).limit))
            return try json(.ok, ["server_groups": .array(groups.map { Self.groupView($0, ctx) })])
        }
        g.get("os-server-groups/:id") { _, ctx in
            try json(.ok, ["server_group": Self.groupView(try await group(ctx.parameters.get("id"), ctx), ctx)])
        }
        g.delete("os-server-groups/:id") { _, ctx in
            let sg = try await group(ctx.parameters.get("id"), ctx)
            try Policy.member(ctx, "os_compute_api:os-server-groups:delete")
            try await Self.mapped { try await store.deleteServerGroup(uuid: sg.uuid) }
            return empty(.noContent)
        }
        g.post("os-server-groups") { req, ctx in
            try Policy.member(ctx, "os_compute_api:os-server-groups:create")
            let body = try await Self.wrapped(req, "server_group", ctx)
            let policy: ServerGroupPolicy
            var rules: [String: String] = [:]
            if ctx.at(64) {
                try body.only(["name", "policy", "rules"])
                try body.require("name", "policy")
                policy = try Self.groupPolicy(try body.string("policy", required: true)!, ctx)
                if let r = try body.object("rules") {
                    try r.only(["max_server_per_host"])
                    if let n = try r.int("max_server_per_host", min: 1) {
                        guard policy == .antiAffinity else {
                            throw NovaError.badRequest("Only anti-affinity policy supports \"max_server_per_host\" rule.")
                        }
                        rules["max_server_per_host"] = String(n)
                    }
                }
            } else {
                try body.only(["name", "policies"])
                try body.require("name", "policies")
                guard let list = body["policies"]?.array, list.count == 1, let p = list[0].string else {
                    throw Fields.invalid("policies", body["policies"], "must be a list of exactly one policy")
                }
                policy = try Self.groupPolicy(p, ctx)
            }
            let name = try body.string("name", required: true, min: 1, max: 255, trimmed: true)!
            let quota = try await effectiveQuotas(ctx.auth.projectID)["server_groups"] ?? 10
            let used = try await store.usage(project: ctx.auth.projectID).serverGroups
            if quota >= 0, used + 1 > quota {
                throw NovaError.forbidden("Quota exceeded, too many server groups.")
            }
            let sg = try await store.createServerGroup(name: name, projectID: ctx.auth.projectID,
                                                       userID: ctx.auth.userID, policy: policy, rules: rules)
            return try json(.ok, ["server_group": Self.groupView(sg, ctx)])
        }
    }

    static func groupPolicy(_ p: String, _ ctx: NimbusRequestContext) throws -> ServerGroupPolicy {
        guard let policy = ServerGroupPolicy(rawValue: p),
              ctx.at(15) || policy == .affinity || policy == .antiAffinity else {
            throw Fields.invalid("policy", .string(p), "'\(p)' is not one of ['anti-affinity', 'affinity'\(ctx.at(15) ? ", 'soft-anti-affinity', 'soft-affinity'" : "")]")
        }
        return policy
    }

    func group(_ id: String?, _ ctx: NimbusRequestContext) async throws -> ServerGroupRecord {
        guard let id, let uuid = UUID(uuidString: id), let sg = try? await store.serverGroup(uuid: uuid),
              ctx.auth.isAdmin || sg.projectID == ctx.auth.projectID
        else { throw NovaError.notFound("Instance group \(id ?? "") could not be found.") }
        try Policy.reader(ctx, "os_compute_api:os-server-groups:show")
        return sg
    }

    static func groupView(_ g: ServerGroupRecord, _ ctx: NimbusRequestContext) -> JSON {
        var o: [String: JSON] = ["id": .string(g.uuid.uuidString.lowercased()), "name": .string(g.name),
                                 "members": .array(g.members.map { .string($0.uuidString.lowercased()) })]
        if ctx.at(64) {
            o["policy"] = .string(g.policy.rawValue)
            o["rules"] = .object(g.rules.mapValues { Int($0).map(JSON.int) ?? .string($0) })
        } else {
            o["policies"] = [.string(g.policy.rawValue)]
            o["metadata"] = [:]
        }
        if ctx.at(13) {
            o["project_id"] = .string(g.projectID)
            o["user_id"] = .string(g.userID)
        }
        return .object(o)
    }
}
