import ComputeRPC
import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusRPC
import NimbusStore

/// `rescue` (Nova's `API.rescue`): 200 with the admin password; the compute boots the rescue image. `unrescue`
/// is a power action (ServerActions.powerActions).
extension ComputeAPI {
    func rescueAction(_ args: JSON, _ s: APIServer, _ ctx: NimbusRequestContext) async throws -> Response {
        let i = s.instance
        let id = i.uuid.lowercasedString
        var password: String?
        var image = i.imageRef
        if let o = args.object {
            let f = Fields(o, path: "rescue")
            try f.only(["adminPass", "rescue_image_ref"])
            password = try f.string("adminPass")
            if let ref = try f.string("rescue_image_ref", min: 1) {
                _ = try await bootImageProperties(ref, i.flavor, ctx.auth)
                image = ref
            }
        } else if !args.isNull {
            throw Fields.invalid("rescue", args, "\(args.brief) is not of type 'object', 'null'")
        }
        if s.fields.lockedBy != nil, !ctx.auth.isAdmin { throw NovaError.conflict("Instance \(id) is locked") }
        try Self.checkState(i, "rescue", vmStates: [.active, .stopped, .error], tasks: [nil])
        guard let host = i.host else { throw NovaError.conflict("Instance \(id) is not ready") }
        let updated: InstanceRecord
        do {
            updated = try await store.updateInstance(i.uuid, InstanceUpdate(taskState: .some(.rescuing), expectedTaskStates: [nil]))
        } catch let StoreError.unexpectedTaskState(_, actual, _) {
            throw NovaError.conflict("Cannot 'rescue' instance \(id) while it is in task_state \(actual ?? "None")")
        }
        let rid = RequestContext.requestID ?? RequestContext.newRequestID()
        try await store.startAction(i.uuid, action: "rescue", requestID: rid, userID: ctx.auth.userID, projectID: i.projectID)
        do {
            try await compute.prepare(server: host).cast(
                ComputeManagerAPI.rescueInstance, RescueOperation(instance: updated, rescueImageRef: image, requestID: rid))
        } catch {
            _ = try? await store.updateInstance(i.uuid, InstanceUpdate(taskState: .some(nil), expectedTaskStates: [.rescuing]))
            throw NovaError(.serviceUnavailable, "Compute host \(host) could not be reached: \(error)")
        }
        return try json(.ok, ["adminPass": .string(password ?? Self.password())])
    }

    /// `trigger_crash_dump` (2.17+, Nova's `API.trigger_crash_dump`): no task state; 202 and the cast.
    func crashDumpAction(_ args: JSON, _ s: APIServer, _ ctx: NimbusRequestContext) async throws -> Response {
        let i = s.instance
        let id = i.uuid.lowercasedString
        guard ctx.at(17) else { throw NovaError.badRequest("There is no such action: trigger_crash_dump") }
        if !args.isNull { throw Fields.invalid("trigger_crash_dump", args, "\(args.brief) is not of type 'null'") }
        if s.fields.lockedBy != nil, !ctx.auth.isAdmin { throw NovaError.conflict("Instance \(id) is locked") }
        try Self.checkState(i, "trigger_crash_dump", vmStates: [.active, .paused, .rescued, .resized, .error], tasks: [nil])
        guard let host = i.host else { throw NovaError.conflict("Instance \(id) is not ready") }
        let rid = RequestContext.requestID ?? RequestContext.newRequestID()
        try await store.startAction(i.uuid, action: "trigger_crash_dump", requestID: rid, userID: ctx.auth.userID,
                                    projectID: i.projectID)
        do {
            try await compute.prepare(server: host).cast(ComputeManagerAPI.triggerCrashDump,
                                                         InstanceOperation(instance: i, requestID: rid))
        } catch {
            throw NovaError(.serviceUnavailable, "Compute host \(host) could not be reached: \(error)")
        }
        return empty(.accepted)
    }
}
