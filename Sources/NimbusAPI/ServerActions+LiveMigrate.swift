import ComputeRPC
import ConductorRPC
import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusRPC
import NimbusStore

/// `os-migrateLive` (admin; Nova's `migrate_server.py` `_migrate_live` and `API.live_migrate`): bodies by
/// microversion (`disk_over_commit` before 2.25, `"auto"` from 2.25, `force` 2.30–2.67; before 2.30 a host is
/// forced), task `migrating`, action `live-migration`, the conductor's `live_migrate_instance` cast, 202 (before
/// 2.34 the `migrate_server_live` call: a pre-check failure is a 400).
extension ComputeAPI {
    func liveMigrateAction(_ args: JSON, _ s: APIServer, _ ctx: NimbusRequestContext) async throws -> Response {
        try Policy.admin(ctx, "os_compute_api:os-migrate-server:migrate_live")
        let i = s.instance
        let id = i.uuid.lowercasedString
        guard let o = args.object else { throw Fields.invalid("os-migrateLive", args, "\(args.brief) is not of type 'object'") }
        let f = Fields(o, path: "os-migrateLive")
        var allowed: Set<String> = ["host", "block_migration"]
        if !ctx.at(25) { allowed.insert("disk_over_commit") }
        if ctx.at(30) && !ctx.at(68) { allowed.insert("force") }
        try f.only(allowed)
        try f.require("host", "block_migration")
        if !ctx.at(25) { try f.require("disk_over_commit") }
        let host = try f.string("host", nullable: true, min: 1)
        let block: Bool?
        if ctx.at(25), o["block_migration"]?.string == "auto" { block = nil } else {
            guard let b = try f.bool("block_migration") else {
                throw Fields.invalid("block_migration", o["block_migration"], "None is not of type 'boolean'")
            }
            block = b
        }
        if !ctx.at(25), try f.bool("disk_over_commit") == nil {
            throw Fields.invalid("disk_over_commit", o["disk_over_commit"], "None is not of type 'boolean'")
        }
        var force = try f.bool("force") ?? false
        if force, host == nil { throw NovaError.badRequest("Can't force to a non-provided destination") }
        if !ctx.at(30), host != nil { force = true }
        if s.fields.lockedBy != nil, !ctx.auth.isAdmin { throw NovaError.conflict("Instance \(id) is locked") }
        try Self.checkState(i, "os-migrateLive", vmStates: [.active, .paused], tasks: [nil])
        guard let source = i.host else { throw NovaError.conflict("Instance \(id) is not ready") }
        if let host {
            guard try await !store.services(binary: "nova-compute", host: host).isEmpty else {
                throw NovaError.badRequest("Compute host \(host) could not be found.")
            }
            if host == source {
                throw NovaError.badRequest("Unable to migrate instance (\(id)) to current host (\(source)).")
            }
        }
        // Nova's conductor pre-check (ComputeServiceUnavailable); checked here so the move never waits on a dead source.
        guard isUp(try await store.services(binary: "nova-compute", host: source).first) else {
            throw NovaError.badRequest("Compute service of \(source) is unavailable at this time.")
        }
        do {
            _ = try await store.updateInstance(i.uuid, InstanceUpdate(taskState: .some(.migrating), expectedTaskStates: [nil]),
                                               expectedVMStates: [.active, .paused])
        } catch let StoreError.unexpectedTaskState(_, actual, _) {
            throw NovaError.conflict("Cannot 'os-migrateLive' instance \(id) while it is in task_state \(actual ?? "None")")
        } catch let StoreError.unexpectedVMState(_, actual) {
            throw NovaError.conflict("Cannot 'os-migrateLive' instance \(id) while it is in vm_state \(actual)")
        }
        let rid = RequestContext.requestID ?? RequestContext.newRequestID()
        try await store.startAction(i.uuid, action: "live-migration", requestID: rid, userID: ctx.auth.userID,
                                    projectID: i.projectID)
        let a = LiveMigrateArgs(instanceUUID: i.uuid, host: host, force: force, blockMigration: block, requestID: rid,
                                userID: ctx.auth.userID)
        var precheck: String?
        do {
            // 2.34+ answers before any pre-check; earlier versions wait for them and answer their failure as 400.
            if ctx.at(34) { try await conductor.cast(ComputeTaskAPI.liveMigrateInstance, a) } else {
                precheck = try await conductor.call(ComputeTaskAPI.migrateServerLive, a).error
            }
        } catch {
            _ = try? await store.updateInstance(i.uuid, InstanceUpdate(taskState: .some(nil), expectedTaskStates: [.migrating]))
            throw NovaError(.serviceUnavailable, "The conductor could not be reached: \(error)")
        }
        if let precheck { throw NovaError.badRequest(precheck) }
        return empty(.accepted)
    }
}
