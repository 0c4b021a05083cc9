import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusStore

/// limits and os-quota-sets. Quotas are enforced when servers, keypairs and server groups are created.
extension ComputeAPI {
    /// Nova's default quotas (`[quota]` options), the resources left at 2.57+.
    static var quotaDefaults: [(String, Int)] { APIOptions.quotas.map { ($0.name, $0.staticDefault ?? 0) } }

    /// Quota resources shown per microversion (file injection until 2.56, network ones until 2.35).
    static func quotaKeys(_ ctx: NimbusRequestContext) -> [String] {
        var keys = quotaDefaults.map(\.0)
        if !ctx.at(57) { keys += ["injected_files", "injected_file_content_bytes", "injected_file_path_bytes"] }
        if !ctx.at(36) { keys += ["floating_ips", "fixed_ips", "security_groups", "security_group_rules"] }
        return keys
    }

    static let legacyQuotaDefaults: [String: Int] = [
        "injected_files": 5, "injected_file_content_bytes": 10240, "injected_file_path_bytes": 255,
        "floating_ips": 10, "fixed_ips": -1, "security_groups": 10, "security_group_rules": 20,
    ]

    func effectiveQuotas(_ project: String) async throws -> [String: Int] {
        // Nova's order: the project's override, else the `default` quota class, else the `[quota]` option.
        try await classQuotas("default").merging(try await store.quotas(project: project)) { _, p in p }
    }

    func addLimitsQuotaRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.get("limits") { req, ctx in
            var project = ctx.auth.projectID
            if let t = Self.query(req)["tenant_id"]?.last, t != project {
                try Policy.admin(ctx, "os_compute_api:limits:other_project")
                project = t
            }
            let q = try await effectiveQuotas(project)
            let u = try await store.usage(project: project)
            var abs: [String: JSON] = [
                "maxServerMeta": .int(q["metadata_items"] ?? 128), "maxTotalCores": .int(q["cores"] ?? 20),
                "maxTotalInstances": .int(q["instances"] ?? 10), "maxTotalKeypairs": .int(q["key_pairs"] ?? 100),
                "maxTotalRAMSize": .int(q["ram"] ?? 51200), "maxServerGroups": .int(q["server_groups"] ?? 10),
                "maxServerGroupMembers": .int(q["server_group_members"] ?? 10), "totalCoresUsed": .int(u.cores),
                "totalInstancesUsed": .int(u.instances), "totalRAMUsed": .int(u.ram),
                "totalServerGroupsUsed": .int(u.serverGroups),
            ]
            if !ctx.at(57) {
                abs["maxPersonality"] = 5
                abs["maxPersonalitySize"] = 10240
                abs["maxImageMeta"] = .int(q["metadata_items"] ?? 128)
            }
            if !ctx.at(36) {
                abs.merge(["maxSecurityGroups": 10, "maxSecurityGroupRules": 20, "maxTotalFloatingIps": 10,
                           "totalFloatingIpsUsed": 0, "totalSecurityGroupsUsed": 0]) { a, _ in a }
            }
            return try json(.ok, ["limits": ["absolute": .object(abs), "rate": []]])
        }
        g.get("os-quota-sets/:project") { _, ctx in
            let p = ctx.parameters.get("project") ?? ""
            try Policy.project(ctx, p, "os_compute_api:os-quota-sets:show")
            return try json(.ok, ["quota_set": try await quotaSet(p, ctx, detail: false, id: true)])
        }
        g.get("os-quota-sets/:project/detail") { _, ctx in
            let p = ctx.parameters.get("project") ?? ""
            try Policy.project(ctx, p, "os_compute_api:os-quota-sets:detail")
            return try json(.ok, ["quota_set": try await quotaSet(p, ctx, detail: true, id: true)])
        }
        g.get("os-quota-sets/:project/defaults") { _, ctx in
            let p = ctx.parameters.get("project") ?? ""
            var o: [String: JSON] = ["id": .string(p)]
            let defaults = try await classQuotas("default")
            for k in Self.quotaKeys(ctx) { o[k] = .int(defaults[k] ?? Self.legacyQuotaDefaults[k] ?? -1) }
            return try json(.ok, ["quota_set": .object(o)])
        }
        g.put("os-quota-sets/:project") { req, ctx in
            try Policy.admin(ctx, "os_compute_api:os-quota-sets:update")
            let p = ctx.parameters.get("project") ?? ""
            let body = try await Self.wrapped(req, "quota_set", ctx)
            let keys = Set(Self.quotaKeys(ctx))
            if let bad = body.values.keys.sorted().first(where: { !keys.contains($0) && $0 != "force" }) {
                throw NovaError.badRequest("Bad key(s) \(bad) in quota_set")
            }
            let force = try body.bool("force") ?? false
            let usage = try await store.usage(project: p)
            let inUse = ["instances": usage.instances, "cores": usage.cores, "ram": usage.ram,
                         "server_groups": usage.serverGroups]
            var limits: [String: Int] = [:]
            for k in body.values.keys where k != "force" {
                // `null` is a type error as in Nova's schema (it crashed a force-unwrap here).
                guard let n = try body.int(k, nullable: false, min: -1, max: 2_147_483_647) else { continue }
                if !force, n >= 0, let used = inUse[k], n < used {
                    throw NovaError.badRequest("Quota limit \(n) for \(k) must be greater than or equal to already used and reserved \(used).")
                }
                // Only the resources still enforced are stored; legacy ones are accepted and ignored.
                if defaultQuotas[k] != nil { limits[k] = n }
            }
            try await store.setQuotas(project: p, limits)
            return try json(.ok, ["quota_set": try await quotaSet(p, ctx, detail: false, id: false)])
        }
        g.delete("os-quota-sets/:project") { _, ctx in
            try Policy.admin(ctx, "os_compute_api:os-quota-sets:delete")
            try await store.deleteQuotas(project: ctx.parameters.get("project") ?? "")
            return empty(.accepted)
        }
    }

    func quotaSet(_ project: String, _ ctx: NimbusRequestContext, detail: Bool, id: Bool) async throws -> JSON {
        let q = try await effectiveQuotas(project)
        let u = try await store.usage(project: project)
        let used = ["instances": u.instances, "cores": u.cores, "ram": u.ram, "server_groups": u.serverGroups,
                    "key_pairs": 0]
        var o: [String: JSON] = id ? ["id": .string(project)] : [:]
        for k in Self.quotaKeys(ctx) {
            let limit = q[k] ?? Self.legacyQuotaDefaults[k] ?? -1
            o[k] = detail ? ["limit": .int(limit), "in_use": .int(used[k] ?? 0), "reserved": 0] : .int(limit)
        }
        return .object(o)
    }
}
