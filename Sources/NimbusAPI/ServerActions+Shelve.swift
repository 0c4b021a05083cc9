import ComputeRPC
import ConductorRPC
import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusRPC
import NimbusStore

/// `shelve`, `shelveOffload` and `unshelve` (Nova's `API.shelve`, `shelve_offload`, `unshelve`; bodies in
/// `schemas/shelve.py`). Shelve snapshots the disk into an image `<name>-shelved` the API creates first; the
/// compute offloads at once with `shelved_offload_time` = 0; unshelve goes through the conductor.
extension ComputeAPI {
    static let shelveActions: Set<String> = ["shelve", "shelveOffload", "unshelve"]

    func shelveAction(_ name: String, _ args: JSON, _ s: APIServer, _ ctx: NimbusRequestContext) async throws -> Response {
        let i = s.instance
        let id = i.uuid.lowercasedString
        if name == "shelveOffload" { try Policy.admin(ctx, "os_compute_api:os-shelve:shelve_offload") }
        var zone: String??
        var host: String?
        if name == "unshelve" { (zone, host) = try unshelveBody(args, ctx) } else if !args.isNull {
            throw Fields.invalid(name, args, "\(args.brief) is not of type 'null'")
        }
        if s.fields.lockedBy != nil, !ctx.auth.isAdmin { throw NovaError.conflict("Instance \(id) is locked") }
        switch name {
        case "shelve":
            try Self.checkState(i, "shelve", vmStates: [.active, .stopped, .paused, .suspended], tasks: [nil])
            guard let host = i.host else { throw NovaError.conflict("Instance \(id) is not ready") }
            try await requireCapability(i, action: "createImage")
            let image = try await snapshotImage(i, name: "\(i.name)-shelved", metadata: [:], ctx)
            let updated = try await guardedTask(i, "shelve", .shelving, orElse: { try? await store.deleteImage(id: image.id) })
            try await store.recordShelve(i.uuid, imageID: image.id, host: host)
            let rid = try await started(i, "shelve", ctx)
            try await castOrRevert(i, host, .shelving) {
                try await compute.prepare(server: host).cast(
                    ComputeManagerAPI.shelveInstance, SnapshotOperation(instance: updated, imageID: image.id, requestID: rid))
            }
        case "shelveOffload":
            try Self.checkState(i, "shelveOffload", vmStates: [.shelved], tasks: [nil])
            guard let host = i.host else { throw NovaError.conflict("Instance \(id) is not ready") }
            let updated = try await guardedTask(i, "shelveOffload", .shelvingOffloading)
            let rid = try await started(i, "shelveOffload", ctx)
            try await castOrRevert(i, host, .shelvingOffloading) {
                try await compute.prepare(server: host).cast(ComputeManagerAPI.shelveOffloadInstance,
                                                             InstanceOperation(instance: updated, requestID: rid))
            }
        default:
            try Self.checkState(i, "unshelve", vmStates: [.shelved, .shelvedOffloaded], tasks: [nil])
            if (zone != nil || host != nil) && i.vmState != .shelvedOffloaded {
                throw NovaError.conflict("The unshelve action on a server with availability_zone or host is only "
                                         + "allowed in vm_state shelved_offloaded, the instance is in vm_state shelved")
            }
            if let az = zone ?? nil, !(try await availabilityZones().contains(az)) {
                throw NovaError.badRequest("The requested availability zone is not available")
            }
            if let host, try await store.services(binary: "nova-compute", host: host).isEmpty {
                throw NovaError.badRequest("Compute host \(host) could not be found.")
            }
            _ = try await guardedTask(i, "unshelve", .unshelving)
            let rid = try await started(i, "unshelve", ctx)
            try await castOrRevert(i, "conductor", .unshelving) {
                try await conductor.cast(ComputeTaskAPI.unshelveInstance, UnshelveArgs(
                    instanceUUID: i.uuid, availabilityZone: zone, host: host, requestID: rid))
            }
        }
        return empty(.accepted)
    }

    /// The unshelve body by microversion: not validated before 2.77; 2.77 `{"availability_zone"}` (a string);
    /// 2.91 also `host` (admin) and a null zone (unpin).
    private func unshelveBody(_ args: JSON, _ ctx: NimbusRequestContext) throws -> (String??, String?) {
        guard ctx.at(77), !args.isNull else { return (nil, nil) }
        guard let o = args.object else { throw Fields.invalid("unshelve", args, "\(args.brief) is not of type 'object', 'null'") }
        let f = Fields(o, path: "unshelve")
        if ctx.at(91) {
            try f.only(["availability_zone", "host"])
        } else {
            try f.only(["availability_zone"])
            guard o["availability_zone"] != nil else {
                throw Fields.invalid("unshelve", args, "'availability_zone' is a required property")
            }
        }
        var zone: String??
        if let v = o["availability_zone"] {
            zone = v.isNull && ctx.at(91) ? .some(nil) : .some(try f.string("availability_zone", min: 1))
        }
        let host = try f.string("host", min: 1)
        if host != nil { try Policy.admin(ctx, "os_compute_api:os-shelve:unshelve_to_host") }
        return (zone, host)
    }

    private func guardedTask(_ i: InstanceRecord, _ action: String, _ task: TaskState,
                             orElse cleanup: () async -> Void = {}) async throws -> InstanceRecord {
        do {
            return try await store.updateInstance(i.uuid, InstanceUpdate(taskState: .some(task), expectedTaskStates: [nil]))
        } catch let StoreError.unexpectedTaskState(_, actual, _) {
            await cleanup()
            throw NovaError.conflict("Cannot '\(action)' instance \(i.uuid.lowercasedString) while it is in task_state "
                                     + "\(actual ?? "None")")
        }
    }

    private func started(_ i: InstanceRecord, _ action: String, _ ctx: NimbusRequestContext) async throws -> String {
        let rid = RequestContext.requestID ?? RequestContext.newRequestID()
        try await store.startAction(i.uuid, action: action, requestID: rid, userID: ctx.auth.userID, projectID: i.projectID)
        return rid
    }

    private func castOrRevert(_ i: InstanceRecord, _ target: String, _ task: TaskState,
                              _ cast: () async throws -> Void) async throws {
        do { try await cast() } catch {
            _ = try? await store.updateInstance(i.uuid, InstanceUpdate(taskState: .some(nil), expectedTaskStates: [task]))
            throw NovaError(.serviceUnavailable, "\(target) could not be reached: \(error)")
        }
    }
}
