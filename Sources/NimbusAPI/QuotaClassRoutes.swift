import Foundation
import NimbusJSON
import Hummingbird
import NimbusKernel
import NimbusStore

/// os-quota-class-sets (admin), as Nova's quota_classes.py: a class's limits, each resource falling back to its
/// `[quota]` option. The `default` class is what every project without its own override gets (Nova's
/// `get_defaults`), so it feeds `effectiveQuotas`, `/os-quota-sets/{p}/defaults` and enforcement.
extension ComputeAPI {
    /// Nova 34's defaults for the resources it still lists but no longer enforces: the file-injection ones keep
    /// their `[quota]` option defaults; the nova-network ones have no option (`AbsoluteResource` without a flag: -1).
    static let unenforcedQuotaDefaults: [String: Int] = [
        "injected_files": 5, "injected_file_content_bytes": 10240, "injected_file_path_bytes": 255,
        "fixed_ips": -1, "floating_ips": -1, "security_groups": -1, "security_group_rules": -1,
    ]

    /// The quota class's resources shown at a microversion: before 2.50 without the server-group ones, from
    /// 2.50 without the nova-network ones, from 2.57 also without file injection.
    static func quotaClassKeys(_ ctx: NimbusRequestContext) -> [String] {
        var keys = quotaDefaults.map(\.0)
        if !ctx.at(57) { keys += ["injected_files", "injected_file_content_bytes", "injected_file_path_bytes"] }
        if ctx.at(50) { return keys }
        keys.removeAll { $0 == "server_groups" || $0 == "server_group_members" }
        return keys + ["fixed_ips", "floating_ips", "security_groups", "security_group_rules"]
    }

    /// Every resource's limit for a class: stored, else the `[quota]` option, else Nova's fixed default.
    func classQuotas(_ name: String) async throws -> [String: Int] {
        Self.unenforcedQuotaDefaults.merging(defaultQuotas) { _, config in config }
            .merging(try await store.quotaClass(name)) { _, stored in stored }
    }

    func addQuotaClassRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.get("os-quota-class-sets/:id") { _, ctx in
            try Policy.admin(ctx, "os_compute_api:os-quota-class-sets:show")
            let id = ctx.parameters.get("id") ?? ""
            return try json(.ok, ["quota_class_set": try await quotaClassSet(id, ctx, showID: true)])
        }
        g.put("os-quota-class-sets/:id") { req, ctx in
            try Policy.admin(ctx, "os_compute_api:os-quota-class-sets:update")
            let id = ctx.parameters.get("id") ?? ""
            let body = try await Self.object(req)
            try body.only(["quota_class_set"])
            guard let set = try body.object("quota_class_set", required: true) else {
                throw Fields.invalid("quota_class_set", nil, "'quota_class_set' is a required property")
            }
            // Accepted keys by microversion (Nova's update, update_v250, update_v257 schemas).
            var allowed = Set(Self.quotaDefaults.map(\.0)).union(Self.unenforcedQuotaDefaults.keys)
            if ctx.at(50) { allowed.subtract(["fixed_ips", "floating_ips", "security_groups", "security_group_rules"]) }
            if ctx.at(57) { allowed.subtract(["injected_files", "injected_file_content_bytes", "injected_file_path_bytes"]) }
            try set.only(allowed)
            guard id.count <= 255 else { throw NovaError.badRequest("quota_class_name has more than 255 characters.") }
            var limits: [String: Int] = [:]
            for k in set.values.keys {
                if let s = set[k]?.string, s.range(of: "^-?[0-9]+$", options: .regularExpression) == nil {
                    throw NovaError.badRequest("Invalid input for field/attribute \(k). Value: \(s). '\(s)' does not match '^-?[0-9]+$'")
                }
                limits[k] = try set.int(k, required: true, min: -1, max: 2_147_483_647)
            }
            try await store.setQuotaClass(id, limits)
            // Nova answers the update without the class id.
            return try json(.ok, ["quota_class_set": try await quotaClassSet(id, ctx, showID: false)])
        }
    }

    func quotaClassSet(_ name: String, _ ctx: NimbusRequestContext, showID: Bool) async throws -> JSON {
        let q = try await classQuotas(name)
        var o: [String: JSON] = showID ? ["id": .string(name)] : [:]
        for k in Self.quotaClassKeys(ctx) { o[k] = .int(q[k] ?? -1) }
        return .object(o)
    }
}
