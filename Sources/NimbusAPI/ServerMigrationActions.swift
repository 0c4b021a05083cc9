import ComputeRPC
import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusRPC
import NimbusStore

/// `POST /servers/{id}/migrations/{mid}/action` `force_complete` (2.22+) and `DELETE /servers/{id}/migrations/{mid}`
/// (abort, 2.24+; queued and preparing too from 2.65), Nova's `server_migrations.py`: both cast to the source.
extension ComputeAPI {
    func addServerMigrationActions(_ g: RouterGroup<NimbusRequestContext>) {
        g.post("servers/:id/migrations/:mid/action") { req, ctx -> Response in
            try Self.since(ctx, 22)
            let f = try await Self.object(req)
            try f.only(["force_complete"])
            try f.require("force_complete")
            guard f["force_complete"]?.isNull == true else {
                throw Fields.invalid("force_complete", f["force_complete"], "\(f["force_complete"]?.brief ?? "") is not of type 'null'")
            }
            let (s, m) = try await liveMigration(ctx, "os_compute_api:servers:migrations:force_complete")
            try Self.checkState(s.instance, "force_complete", vmStates: [.active], tasks: [.migrating])
            guard m.status == "running" else { throw Self.invalidMigrationState(m, "force complete") }
            try await castLiveControl(ComputeManagerAPI.liveMigrationForceComplete, "live_migration_force_complete", s, m, ctx)
            return empty(.accepted)
        }
        g.delete("servers/:id/migrations/:mid") { _, ctx -> Response in
            try Self.since(ctx, 24)
            let (s, m) = try await liveMigration(ctx, "os_compute_api:servers:migrations:delete")
            try Self.checkState(s.instance, "abort live migration", vmStates: [.active, .paused], tasks: [.migrating])
            let abortable: Set<String> = ctx.at(65) ? ["running", "queued", "preparing"] : ["running"]
            guard abortable.contains(m.status) else { throw Self.invalidMigrationState(m, "abort live migration") }
            try await castLiveControl(ComputeManagerAPI.liveMigrationAbort, "live_migration_cancel", s, m, ctx)
            return empty(.accepted)
        }
    }

    /// The server (another project's: 404 before the admin policy, as Nova's lookup; locked: 409) and its live
    /// migration `mid` (404 when it has none by that id).
    private func liveMigration(_ ctx: NimbusRequestContext, _ policy: String) async throws -> (APIServer, MigrationRecord) {
        let s = try await server(ctx.parameters.get("id"), ctx)
        try Policy.admin(ctx, policy)
        let id = s.instance.uuid.lowercasedString
        if s.fields.lockedBy != nil, !ctx.auth.isAdmin { throw NovaError.conflict("Instance \(id) is locked") }
        let mid = ctx.parameters.get("mid") ?? ""
        guard let m = try await store.migrations(MigrationQuery(instanceUUID: s.instance.uuid, kind: "live-migration"))
            .first(where: { String($0.id) == mid })
        else { throw NovaError.notFound("Migration \(mid) for instance \(id) could not be found.") }
        return (s, m)
    }

    static func invalidMigrationState(_ m: MigrationRecord, _ method: String) -> NovaError {
        NovaError.badRequest("Migration \(m.id) state of instance \(m.instanceUUID.lowercasedString) is \(m.status). "
                             + "Cannot \(method) while the migration is in this state.")
    }

    private func castLiveControl(_ method: ComputeManagerAPI.MoveStep, _ action: String, _ s: APIServer,
                                 _ m: MigrationRecord, _ ctx: NimbusRequestContext) async throws {
        let rid = RequestContext.requestID ?? RequestContext.newRequestID()
        try await store.startAction(s.instance.uuid, action: action, requestID: rid, userID: ctx.auth.userID,
                                    projectID: s.instance.projectID)
        do {
            try await compute.prepare(server: m.sourceCompute).cast(
                method, MigrationOperation(instance: s.instance, migration: m, requestID: rid))
        } catch {
            throw NovaError(.serviceUnavailable, "Compute host \(m.sourceCompute) could not be reached: \(error)")
        }
    }
}
