import ComputeRPC
import ConductorRPC
import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusRPC
import NimbusStore

/// `resize`, `migrate`, `confirmResize`, `revertResize` (Nova's `API.resize`, `confirm_resize`,
/// `revert_resize`): the checks and the guarded state change here, the move itself in the conductor and the
/// computes (ConductorManager+Resize, ComputeManager+Resize).
extension ComputeAPI {
    static let moveActions: Set<String> = ["resize", "migrate", "confirmResize", "revertResize"]

    func moveAction(_ name: String, _ args: JSON, _ s: APIServer, _ ctx: NimbusRequestContext) async throws -> Response {
        let i = s.instance
        if s.fields.lockedBy != nil, !ctx.auth.isAdmin {
            throw NovaError.conflict("Instance \(i.uuid.lowercasedString) is locked")
        }
        switch name {
        case "resize":
            guard let o = args.object else { throw Fields.invalid("resize", args, "is not of type 'object'") }
            let f = Fields(o, path: "resize")
            try f.only(["flavorRef", "OS-DCF:diskConfig"])
            let ref: String
            switch o["flavorRef"] {
            case .string(let v)? where !v.isEmpty && v.utf8.count <= 255: ref = v
            case .int(let v)?: ref = String(v)
            case nil: throw Fields.invalid("resize", args, "'flavorRef' is a required property")
            case let v?: throw Fields.invalid("flavorRef", v, "\(v.brief) is not valid under any of the given schemas")
            }
            if let d = try f.string("OS-DCF:diskConfig"), d != "AUTO", d != "MANUAL" {
                throw Fields.invalid("OS-DCF:diskConfig", .string(d), "'\(d)' is not one of ['AUTO', 'MANUAL']")
            }
            guard let flavor = try await store.flavor(id: ref), !flavor.disabled else {
                throw NovaError.badRequest("Invalid flavorRef provided.")
            }
            guard flavor.id != i.flavor.id else {
                throw NovaError.badRequest("When resizing, instances must change flavor!")
            }
            if flavor.rootGB == 0, i.flavor.rootGB > 0 {
                throw NovaError.badRequest("Unable to resize disk down.")
            }
            try await checkResizeQuota(from: i.flavor, to: flavor, project: i.projectID)
            try await startMove(s, kind: .resize, flavor: flavor, host: nil, ctx)
            return empty(.accepted)
        case "migrate":
            try Policy.admin(ctx, "os_compute_api:os-migrate-server:migrate")
            var host: String?
            // Before 2.56 the body is not validated and `host` is ignored.
            if ctx.at(56), let o = args.object {
                let f = Fields(o, path: "migrate")
                try f.only(["host"])
                host = try f.string("host", nullable: true, min: 1)
            } else if ctx.at(56), !args.isNull {
                throw Fields.invalid("migrate", args, "\(args.brief) is not of type 'object', 'null'")
            }
            if let host {
                guard try await store.services(binary: "nova-compute").contains(where: { $0.host == host }) else {
                    throw NovaError.badRequest("Compute host \(host) could not be found.")
                }
                if host == i.host {
                    throw NovaError.badRequest("The target host can't be the same one.")
                }
            }
            try await startMove(s, kind: .migration, flavor: i.flavor, host: host, ctx)
            return empty(.accepted)
        case "confirmResize":
            try requireNull(name, args)
            try Self.checkState(i, "confirmResize", vmStates: [.resized], tasks: [nil])
            guard let m = try await store.finishedMigration(instance: i.uuid) else {
                throw NovaError.badRequest("Instance has not been resized.")
            }
            try await requireUp(m.sourceCompute)
            let (mig, inst) = try await guardedStep(i, "confirmResize", MigrationStep(
                migrationUUID: m.uuid, expectedStatuses: ["finished"], status: "confirming",
                instance: InstanceUpdate(expectedTaskStates: [nil])))
            let rid = try await recordMove(inst, "confirmResize", ctx)
            try await castMove(ComputeManagerAPI.confirmResize, to: m.sourceCompute, inst, mig, rid)
            return empty(.noContent)
        default:  // revertResize
            try requireNull(name, args)
            try Self.checkState(i, "revertResize", vmStates: [.resized], tasks: [nil])
            guard let m = try await store.finishedMigration(instance: i.uuid) else {
                throw NovaError.badRequest("Instance has not been resized.")
            }
            let dest = m.destCompute ?? i.host ?? ""
            try await requireUp(dest)
            // Going back to a bigger flavor needs the quota for it again.
            try await checkResizeQuota(from: m.newFlavor, to: m.oldFlavor, project: i.projectID)
            let (mig, inst) = try await guardedStep(i, "revertResize", MigrationStep(
                migrationUUID: m.uuid, expectedStatuses: ["finished"], status: "reverting",
                instance: InstanceUpdate(taskState: .some(.resizeReverting), expectedTaskStates: [nil])))
            let rid = try await recordMove(inst, "revertResize", ctx)
            try await castMove(ComputeManagerAPI.revertResize, to: dest, inst, mig, rid)
            return empty(.accepted)
        }
    }

    /// Resize and migrate: state check, guarded `resize_prep`, the action, then the conductor's `migrate_server`.
    private func startMove(_ s: APIServer, kind: MigrationRecord.Kind, flavor: Flavor, host: String?,
                           _ ctx: NimbusRequestContext) async throws {
        let i = s.instance
        let action = kind == .resize ? "resize" : "migrate"
        try Self.checkState(i, action, vmStates: [.active, .stopped], tasks: [nil])
        guard let source = i.host else { throw NovaError.conflict("Instance \(i.uuid.lowercasedString) is not ready") }
        try await requireUp(source)
        let method = ComputeTaskAPI.migrateServer
        if let pin = conductor.pin, !conductor.canSend(method) {
            let e = RPCError.versionCapped(method: method.name, api: ComputeTaskAPI.name, requires: method.sinceText,
                                           pinned: pin.description)
            throw NovaError(.serviceUnavailable, "The conductor cannot be reached: \(e)")
        }
        let allowSame: Bool
        if kind == .resize {
            allowSame = allowResizeToSameHost
        } else {
            // A cold migrate may stay only where the driver says it can (`supports_migrate_to_same_host`).
            allowSame = try await i.node.asyncMap { try await store.nodeCapabilities(node: $0) }??
                .supports(.migrateToSameHost) ?? false
        }
        do {
            try await store.updateInstance(i.uuid, InstanceUpdate(taskState: .some(.resizePrep), expectedTaskStates: [nil]))
        } catch let StoreError.unexpectedTaskState(_, actual, _) {
            throw NovaError.conflict("Cannot '\(action)' instance \(i.uuid.lowercasedString) while it is in task_state \(actual ?? "None")")
        }
        let rid = try await recordMove(i, action, ctx)
        do {
            try await conductor.cast(method, MigrateServerArgs(
                instanceUUID: i.uuid, kind: kind, newFlavor: flavor, requestedHost: host, allowSameHost: allowSame,
                requestID: rid, userID: ctx.auth.userID))
        } catch {
            _ = try? await store.updateInstance(i.uuid, InstanceUpdate(taskState: .some(nil), expectedTaskStates: [.resizePrep]))
            throw NovaError(.serviceUnavailable, "The conductor cannot be reached: \(error)")
        }
    }

    /// Nova's `check_instance_state`: 409 naming the attribute that refused.
    static func checkState(_ i: InstanceRecord, _ action: String, vmStates: [VMState], tasks: [TaskState?]) throws {
        let id = i.uuid.lowercasedString
        guard vmStates.contains(i.vmState) else {
            throw NovaError.conflict("Cannot '\(action)' instance \(id) while it is in vm_state \(i.vmState.rawValue)")
        }
        guard tasks.contains(i.taskState) else {
            throw NovaError.conflict("Cannot '\(action)' instance \(id) while it is in task_state \(i.taskState?.rawValue ?? "None")")
        }
    }

    /// A step the API writes (confirm/revert): a racing request finds the migration or task state moved on.
    private func guardedStep(_ i: InstanceRecord, _ action: String, _ step: MigrationStep) async throws
        -> (MigrationRecord, InstanceRecord)
    {
        do { return try await store.applyMigrationStep(step) } catch StoreError.unexpectedTaskState(_, let actual, _) {
            throw NovaError.conflict("Cannot '\(action)' instance \(i.uuid.lowercasedString) while it is in task_state \(actual ?? "None")")
        } catch StoreError.conflict {
            throw NovaError.badRequest("Instance has not been resized.")
        }
    }

    private func recordMove(_ i: InstanceRecord, _ action: String, _ ctx: NimbusRequestContext) async throws -> String {
        let rid = RequestContext.requestID ?? RequestContext.newRequestID()
        try await store.startAction(i.uuid, action: action, requestID: rid, userID: ctx.auth.userID, projectID: i.projectID)
        return rid
    }

    private func castMove(_ method: ComputeManagerAPI.MoveStep, to host: String, _ i: InstanceRecord,
                          _ m: MigrationRecord, _ rid: String) async throws {
        do {
            try await compute.prepare(server: host).cast(method, MigrationOperation(instance: i, migration: m, requestID: rid))
        } catch {
            // Back to VERIFY_RESIZE: the request did nothing.
            _ = try? await store.applyMigrationStep(MigrationStep(
                migrationUUID: m.uuid, expectedStatuses: [m.status], status: "finished",
                instance: InstanceUpdate(taskState: .some(nil))))
            throw NovaError(.serviceUnavailable, "Compute host \(host) could not be reached: \(error)")
        }
    }

    /// Nova's `check_instance_host(check_is_up=True)`: a move needs the compute service up (409).
    private func requireUp(_ host: String) async throws {
        let s = try await store.services(binary: "nova-compute").first { $0.host == host }
        guard isUp(s) else { throw NovaError.conflict("Service is unavailable at this time.") }
    }

    private func requireNull(_ name: String, _ args: JSON) throws {
        if !args.isNull { throw Fields.invalid(name, args, "\(args.brief) is not of type 'null'") }
    }

    /// Quota on the delta only (Nova's `_check_quota_for_upsize`): a bigger flavor must fit cores and ram.
    private func checkResizeQuota(from old: Flavor, to new: Flavor, project: String) async throws {
        let quotas = try await effectiveQuotas(project)
        let usage = try await store.usage(project: project)
        for (name, delta, used) in [("cores", new.vcpus - old.vcpus, usage.cores), ("ram", new.memoryMB - old.memoryMB, usage.ram)]
        where delta > 0 {
            if let limit = quotas[name], limit >= 0, used + delta > limit {
                throw NovaError.forbidden("Quota exceeded for \(name): Requested \(delta), but already used \(used) of \(limit) \(name)")
            }
        }
    }
}

extension Optional {
    fileprivate func asyncMap<U>(_ f: (Wrapped) async throws -> U) async rethrows -> U? {
        guard let v = self else { return nil }
        return try await f(v)
    }
}
