import ConductorRPC
import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusRPC
import NimbusStore

/// `evacuate` (admin; Nova's `evacuate.py` and `API.evacuate`): a server whose compute is down is rebuilt on
/// another host by the conductor. Bodies by microversion: `onSharedStorage` required before 2.14, `force`
/// 2.29–2.67; from 2.95 the server lands stopped. 200, with `adminPass` only before 2.14.
extension ComputeAPI {
    func evacuateAction(_ args: JSON, _ s: APIServer, _ ctx: NimbusRequestContext) async throws -> Response {
        try Policy.admin(ctx, "os_compute_api:os-evacuate")
        let i = s.instance
        let id = i.uuid.lowercasedString
        guard let o = args.object else { throw Fields.invalid("evacuate", args, "\(args.brief) is not of type 'object'") }
        let f = Fields(o, path: "evacuate")
        var allowed: Set<String> = ["host", "adminPass"]
        if !ctx.at(14) { allowed.insert("onSharedStorage") }
        if ctx.at(29) && !ctx.at(68) { allowed.insert("force") }
        try f.only(allowed)
        let host = try f.string("host", min: 1)
        let password = try f.string("adminPass")
        if !ctx.at(14) {
            guard let shared = try f.bool("onSharedStorage") else {
                throw Fields.invalid("evacuate", args, "'onSharedStorage' is a required property")
            }
            if shared, password != nil {
                throw NovaError.badRequest("admin password can't be changed on existing disk")
            }
        }
        let force = try f.bool("force") ?? false
        if force, host == nil { throw NovaError.badRequest("Can't force to a non-provided destination") }
        if s.fields.lockedBy != nil, !ctx.auth.isAdmin { throw NovaError.conflict("Instance \(id) is locked") }
        try Self.checkState(i, "evacuate", vmStates: [.active, .stopped, .error], tasks: [nil])
        guard let source = i.host else { throw NovaError.conflict("Instance \(id) is not ready") }
        if let host {
            if host == source { throw NovaError.badRequest("The target host can't be the same one.") }
            if try await store.services(binary: "nova-compute", host: host).isEmpty {
                throw NovaError.notFound("Compute host \(host) could not be found.")
            }
        }
        // Nova's ComputeServiceInUse: only a server whose compute is down may be evacuated.
        if isUp(try await store.services(binary: "nova-compute", host: source).first) {
            throw NovaError.badRequest("Compute service of \(source) is still in use.")
        }
        do {
            _ = try await store.updateInstance(i.uuid, InstanceUpdate(taskState: .some(.rebuilding), expectedTaskStates: [nil]))
        } catch let StoreError.unexpectedTaskState(_, actual, _) {
            throw NovaError.conflict("Cannot 'evacuate' instance \(id) while it is in task_state \(actual ?? "None")")
        }
        let rid = RequestContext.requestID ?? RequestContext.newRequestID()
        try await store.startAction(i.uuid, action: "evacuate", requestID: rid, userID: ctx.auth.userID,
                                    projectID: i.projectID)
        do {
            try await conductor.cast(ComputeTaskAPI.rebuildInstance, EvacuateArgs(
                instanceUUID: i.uuid, host: host, force: force, targetStopped: ctx.at(95), requestID: rid,
                userID: ctx.auth.userID))
        } catch {
            _ = try? await store.updateInstance(i.uuid, InstanceUpdate(taskState: .some(nil), expectedTaskStates: [.rebuilding]))
            throw NovaError(.serviceUnavailable, "The conductor could not be reached: \(error)")
        }
        if ctx.at(14) { return empty(.ok) }
        return try json(.ok, ["adminPass": .string(password ?? Self.password())])
    }
}
