import ComputeRPC
import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusRPC
import NimbusStore

/// Soft delete (`[DEFAULT] reclaim_instance_interval` > 0, Nova's `API.soft_delete` and `deferred_delete.py`):
/// DELETE of a server that launched leaves it SOFT_DELETED with its claim and quota usage until `restore` or
/// the conductor's reclaim; `forceDelete` deletes at once.
extension ComputeAPI {
    /// DELETE with reclaim on. False when Nova deletes for good instead: reclaim off, a server that never launched
    /// (`must_have_launched`), one already soft-deleted, or one whose compute is down (Nova's local delete).
    func softDeleteServer(_ s: APIServer, _ ctx: NimbusRequestContext) async throws -> Bool {
        let i = s.instance
        guard reclaimInstanceInterval > 0, i.launchedAt != nil, i.vmState != .softDeleted, let host = i.host else {
            return false
        }
        if s.fields.lockedBy != nil, !ctx.auth.isAdmin { throw NovaError.conflict("Instance \(i.uuid.lowercasedString) is locked") }
        if i.taskState == .deleting || i.taskState == .softDeleting { return true }
        guard isUp(try await store.services(binary: "nova-compute", host: host).first) else { return false }
        let rid = RequestContext.requestID ?? RequestContext.newRequestID()
        try await store.startAction(i.uuid, action: "delete", requestID: rid, userID: ctx.auth.userID,
                                    projectID: i.projectID)
        let updated = try await store.beginSoftDelete(i.uuid)
        do {
            try await compute.prepare(server: host).cast(ComputeManagerAPI.softDeleteInstance,
                                                         InstanceOperation(instance: updated, requestID: rid))
        } catch {
            _ = try? await store.updateInstance(i.uuid, InstanceUpdate(taskState: .some(nil),
                                                                       expectedTaskStates: [.softDeleting]))
            throw NovaError(.serviceUnavailable, "Compute host \(host) could not be reached: \(error)")
        }
        return true
    }

    /// `restore` (202): vm_state soft-delete with no task state, not locked. With a host the compute powers the
    /// guest on (task `restoring`); without one the API restores it directly, as Nova's.
    func restoreAction(_ args: JSON, _ s: APIServer, _ ctx: NimbusRequestContext) async throws -> Response {
        let i = s.instance
        let id = i.uuid.lowercasedString
        if !args.isNull, args.object?.isEmpty != true {
            throw Fields.invalid("restore", args, "\(args.brief) is not of type 'null'")
        }
        if s.fields.lockedBy != nil, !ctx.auth.isAdmin { throw NovaError.conflict("Instance \(id) is locked") }
        try Self.checkState(i, "restore", vmStates: [.softDeleted], tasks: [nil])
        let updated: InstanceRecord
        do { updated = try await store.beginRestore(i.uuid, onHost: i.host != nil) } catch let StoreError.unexpectedTaskState(_, actual, _) {
            throw NovaError.conflict("Cannot 'restore' instance \(id) while it is in task_state \(actual ?? "None")")
        } catch StoreError.conflict(let m) {
            throw NovaError.conflict(m)
        }
        let rid = RequestContext.requestID ?? RequestContext.newRequestID()
        try await store.startAction(i.uuid, action: "restore", requestID: rid, userID: ctx.auth.userID,
                                    projectID: i.projectID)
        guard let host = i.host else { return empty(.accepted) }
        do {
            try await compute.prepare(server: host).cast(ComputeManagerAPI.restoreInstance,
                                                         InstanceOperation(instance: updated, requestID: rid))
        } catch {
            _ = try? await store.updateInstance(i.uuid, InstanceUpdate(taskState: .some(nil), expectedTaskStates: [.restoring]))
            throw NovaError(.serviceUnavailable, "Compute host \(host) could not be reached: \(error)")
        }
        return empty(.accepted)
    }
}
