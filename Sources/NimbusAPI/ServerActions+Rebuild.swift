import ComputeRPC
import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusRPC
import NimbusStore

/// `rebuild` (Nova's `API.rebuild`): the body per microversion, the image checks of a boot against the
/// server's flavor, the guarded `rebuilding` write with the new fields, and the cast to the server's host.
/// Answers 202 with the server (and `adminPass`), as Nova's controller does.
extension ComputeAPI {
    func rebuildAction(_ req: Request, _ args: JSON, _ s: APIServer, _ ctx: NimbusRequestContext) async throws -> Response {
        let i = s.instance
        let id = i.uuid.lowercasedString
        guard let o = args.object else { throw Fields.invalid("rebuild", args, "is not of type 'object'") }
        let f = Fields(o, path: "rebuild")
        var allowed: Set<String> = ["imageRef", "name", "metadata", "adminPass", "accessIPv4", "accessIPv6",
                                    "preserve_ephemeral", "OS-DCF:diskConfig"]
        if !ctx.at(57) { allowed.insert("personality") }
        if ctx.at(19) { allowed.insert("description") }
        if ctx.at(54) { allowed.insert("key_name") }
        if ctx.at(57) { allowed.insert("user_data") }
        if ctx.at(63) { allowed.insert("trusted_image_certificates") }
        if ctx.at(90) { allowed.insert("hostname") }
        try f.only(allowed)
        guard let image = try f.string("imageRef", required: true, min: 1) else {
            throw Fields.invalid("rebuild", args, "'imageRef' is a required property")
        }
        var c = RebuildChanges(imageRef: image)
        c.name = try f.string("name", min: 1, max: 255, trimmed: true)
        c.metadata = try f.stringMap("metadata")
        let adminPass = try f.string("adminPass")
        let preserve = try f.bool("preserve_ephemeral") ?? false
        if let d = try f.string("OS-DCF:diskConfig"), d != "AUTO", d != "MANUAL" {
            throw Fields.invalid("OS-DCF:diskConfig", .string(d), "'\(d)' is not one of ['AUTO', 'MANUAL']")
        }
        (c.accessIPv4, c.accessIPv6) = try AccessIP.parse(f)
        if f.has("description") { c.description = .some(try f.string("description", nullable: true, max: 255)) }
        if f.has("key_name") {
            let key = try f.string("key_name", nullable: true, min: 1, trimmed: true)
            if let key, try await store.keypair(user: i.userID, name: key) == nil {
                throw NovaError.badRequest("Invalid key_name provided.")
            }
            c.keyName = .some(key)
        }
        if f.has("user_data") {
            let u = try f.string("user_data", nullable: true, max: 65535)
            if let u, Data(base64Encoded: u) == nil {
                throw Fields.invalid("user_data", .string(u), "is not a base64 string")
            }
            c.userData = .some(u)
        }
        c.hostname = try ServerCreateValidation.hostname(f, ctx)
        if let m = c.metadata, let limit = try await effectiveQuotas(i.projectID)["metadata_items"], limit >= 0,
           m.count > limit {
            throw NovaError.forbidden("Quota exceeded for metadata_items: Requested \(m.count), but already used 0 of \(limit) metadata_items")
        }
        if s.fields.lockedBy != nil, !ctx.auth.isAdmin { throw NovaError.conflict("Instance \(id) is locked") }
        try Self.checkState(i, "rebuild", vmStates: [.active, .stopped, .error], tasks: [nil])
        guard let host = i.host else { throw NovaError.conflict("Instance \(id) is not ready") }
        let properties = try await bootImageProperties(image, i.flavor, ctx.auth)
        let updated: InstanceRecord
        do { updated = try await store.startRebuild(i.uuid, c) } catch let StoreError.unexpectedTaskState(_, actual, _) {
            throw NovaError.conflict("Cannot 'rebuild' instance \(id) while it is in task_state \(actual ?? "None")")
        }
        // The answer shows the server as the API saved it (REBUILD): read before the cast, as a fast compute may
        // have finished by the time it is read afterwards.
        guard let shown = try await store.apiServer(i.uuid) else { throw NovaError.notFound("Instance \(id) could not be found.") }
        let rid = RequestContext.requestID ?? RequestContext.newRequestID()
        try await store.startAction(i.uuid, action: "rebuild", requestID: rid, userID: ctx.auth.userID, projectID: i.projectID)
        do {
            try await compute.prepare(server: host).cast(ComputeManagerAPI.rebuildInstance, RebuildOperation(
                instance: updated, oldVMState: i.vmState, imageProperties: properties, preserveEphemeral: preserve,
                requestID: rid))
        } catch {
            _ = try? await store.updateInstance(i.uuid, InstanceUpdate(taskState: .some(nil), expectedTaskStates: [.rebuilding]))
            throw NovaError(.serviceUnavailable, "Compute host \(host) could not be reached: \(error)")
        }
        let v = try await viewContext(req, ctx)
        let groups = ctx.at(71) ? try await store.serverGroup(forInstance: i.uuid).map { [$0.uuid] } ?? [] : nil
        guard case .object(var body) = ServerView.detail(shown, v, fault: nil, groups: groups,
                                                         hints: shown.fields.schedulerHints)
        else { return empty(.accepted) }
        body["adminPass"] = .string(adminPass ?? Self.password())
        return try json(.accepted, ["server": .object(body)])
    }
}
