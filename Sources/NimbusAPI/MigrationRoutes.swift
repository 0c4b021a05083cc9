import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusStore

/// `GET /os-migrations` (admin) and `GET /servers/{id}/migrations[/{id}]` (2.22+), Nova's views per
/// microversion. The server's list holds only live migrations in progress, as Nova's
/// (`get_migrations_in_progress_by_instance(…, 'live-migration')`).
extension ComputeAPI {
    static let inProgressLive: Set<String> = ["queued", "preparing", "running", "post-migrating"]

    func addMigrationRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.get("os-migrations") { req, ctx -> Response in
            try Policy.admin(ctx, "os_compute_api:os-migrations:index")
            let q = Self.query(req)
            var mq = MigrationQuery(host: q["host"]?.last ?? q["source_compute"]?.last, status: q["status"]?.last,
                                    kind: q["migration_type"]?.last)
            if let i = q["instance_uuid"]?.last {
                guard let u = UUID(uuidString: i) else { return try json(.ok, ["migrations": .array([])]) }
                mq.instanceUUID = u
            }
            if ctx.at(80) { mq.projectID = q["project_id"]?.last }
            var all = try await store.migrations(mq)
            if ctx.at(59) {
                let (limit, marker) = try page(q)
                if let marker {
                    guard let idx = all.firstIndex(where: { $0.uuid.lowercasedString == marker }) else {
                        throw NovaError.notFound("Marker \(marker) could not be found.")
                    }
                    all = Array(all[(idx + 1)...])
                }
                all = Array(all.prefix(limit))
            } else {
                all = Array(all.prefix(maxLimit))
            }
            return try json(.ok, ["migrations": .array(all.map { Self.migrationView($0, ctx, server: false) })])
        }
        g.get("servers/:id/migrations") { _, ctx -> Response in
            try Self.since(ctx, 22)
            try Policy.admin(ctx, "os_compute_api:servers:migrations:index")
            let s = try await server(ctx.parameters.get("id"), ctx)
            let live = try await store.migrations(MigrationQuery(instanceUUID: s.instance.uuid, kind: "live-migration"))
                .filter { Self.inProgressLive.contains($0.status) }
            return try json(.ok, ["migrations": .array(live.map { Self.migrationView($0, ctx, server: true) })])
        }
        g.get("servers/:id/migrations/:mid") { _, ctx -> Response in
            try Self.since(ctx, 22)
            try Policy.admin(ctx, "os_compute_api:servers:migrations:show")
            let s = try await server(ctx.parameters.get("id"), ctx)
            let mid = ctx.parameters.get("mid") ?? ""
            guard let m = try await store.migrations(MigrationQuery(instanceUUID: s.instance.uuid))
                .first(where: { String($0.id) == mid }), m.kind == .liveMigration, Self.inProgressLive.contains(m.status)
            else {
                throw NovaError.notFound("In-progress live migration \(mid) is not found for server \(s.instance.uuid.lowercasedString).")
            }
            return try json(.ok, ["migration": Self.migrationView(m, ctx, server: true)])
        }
        addServerMigrationActions(g)
    }

    /// Flavor ids as Nova's integer `instance_type_id` where they are numbers.
    static func flavorID(_ f: Flavor) -> JSON { Int(f.id).map(JSON.int) ?? .string(f.id) }

    static func migrationView(_ m: MigrationRecord, _ ctx: NimbusRequestContext, server: Bool) -> JSON {
        var o: [String: JSON] = [
            "id": .int(m.id), "created_at": NovaTime.micro(m.createdAt), "updated_at": NovaTime.micro(m.updatedAt),
            "dest_compute": m.destCompute.map(JSON.string) ?? .null, "dest_host": m.destHost.map(JSON.string) ?? .null,
            "dest_node": m.destNode.map(JSON.string) ?? .null, "source_compute": .string(m.sourceCompute),
            "source_node": .string(m.sourceNode), "status": .string(m.status),
            "instance_uuid": .string(m.instanceUUID.lowercasedString),
        ]
        if server {
            o["server_uuid"] = o.removeValue(forKey: "instance_uuid")
            for k in ["memory_total_bytes", "memory_processed_bytes", "memory_remaining_bytes", "disk_total_bytes",
                      "disk_processed_bytes", "disk_remaining_bytes"] { o[k] = .null }
        } else {
            o["old_instance_type_id"] = flavorID(m.oldFlavor)
            o["new_instance_type_id"] = flavorID(m.newFlavor)
            if ctx.at(23) { o["migration_type"] = .string(m.kind.rawValue) }
        }
        if ctx.at(59) { o["uuid"] = .string(m.uuid.lowercasedString) }
        if ctx.at(80) {
            o["user_id"] = .string(m.userID)
            o["project_id"] = .string(m.projectID)
        }
        return .object(o)
    }
}
