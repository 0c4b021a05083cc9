import ComputeRPC
import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusRPC
import NimbusStore

/// `createImage` (Nova's `API.snapshot`): the API creates the queued image record with Nova's properties, sets
/// task `image_snapshot_pending` (guarded, so a racing action gets 409) and casts `snapshot_instance`; the compute
/// uploads the disk and the image turns active. 202 with `{"image_id"}` from 2.45, a `Location` header before.
extension ComputeAPI {
    /// Nova's `[DEFAULT] non_inheritable_image_properties` defaults, plus the prefixes it never copies.
    static let nonInheritableImageProperties: Set<String> = ["cache_in_nova", "bittorrent"]
    static let nonInheritablePrefixes = ["img_signature", "cinder_encryption_key_", "os_glance"]

    func createImageAction(_ args: JSON, _ s: APIServer, _ ctx: NimbusRequestContext) async throws -> Response {
        let i = s.instance
        let id = i.uuid.lowercasedString
        guard let o = args.object else { throw Fields.invalid("createImage", args, "\(args.brief) is not of type 'object'") }
        let f = Fields(o, path: "createImage")
        try f.only(["name", "metadata"])
        let name = try f.string("name", required: true, min: 1, trimmed: true)!
        let metadata = try f.stringMap("metadata") ?? [:]
        // Before 2.39 the image metadata counts against the metadata_items quota (Nova's 403).
        if !ctx.at(39), let m = try await effectiveQuotas(ctx.auth.projectID)["metadata_items"], m >= 0, metadata.count > m {
            throw NovaError.forbidden("Quota exceeded for metadata_items: Requested \(metadata.count), but already "
                                      + "used 0 of \(m) metadata_items")
        }
        // Not blocked by a lock (Nova's snapshot has no check_instance_lock).
        try Self.checkState(i, "createImage", vmStates: [.active, .stopped, .paused, .suspended], tasks: [nil])
        guard let host = i.host else { throw NovaError.conflict("Instance \(id) is not ready") }
        try await requireCapability(i, action: "createImage")
        let image = try await snapshotImage(i, name: name, metadata: metadata, ctx)
        let updated: InstanceRecord
        do {
            updated = try await store.updateInstance(i.uuid, InstanceUpdate(taskState: .some(.imageSnapshotPending),
                                                                            expectedTaskStates: [nil]))
        } catch let StoreError.unexpectedTaskState(_, actual, _) {
            try? await store.deleteImage(id: image.id)
            throw NovaError.conflict("Cannot 'createImage' instance \(id) while it is in task_state \(actual ?? "None")")
        }
        let rid = RequestContext.requestID ?? RequestContext.newRequestID()
        try await store.startAction(i.uuid, action: "createImage", requestID: rid, userID: ctx.auth.userID,
                                    projectID: i.projectID)
        do {
            try await compute.prepare(server: host).cast(
                ComputeManagerAPI.snapshotInstance, SnapshotOperation(instance: updated, imageID: image.id, requestID: rid))
        } catch {
            _ = try? await store.updateInstance(i.uuid, InstanceUpdate(taskState: .some(nil),
                                                                       expectedTaskStates: [.imageSnapshotPending]))
            try? await store.deleteImage(id: image.id)
            throw NovaError(.serviceUnavailable, "Compute host \(host) could not be reached: \(error)")
        }
        if ctx.at(45) { return try json(.accepted, ["image_id": .string(image.id)]) }
        var r = empty(.accepted)
        if let endpoint = imageEndpoint() { r.headers[.location] = "\(endpoint)/images/\(image.id)" }
        return r
    }

    /// The queued image record of a snapshot (Nova's `compute_utils.create_image`): the source image's properties
    /// minus the non-inheritable ones, `base_image_ref`, `instance_uuid`, `user_id`, `image_type: snapshot`, the
    /// request's metadata over them; `min_ram` and `min_disk` (at least the flavor's root disk) from the source.
    /// Private to the caller's project, or shared with `instance_owner` when the server is another project's.
    func snapshotImage(_ i: InstanceRecord, name: String, metadata: [String: String], imageType: String = "snapshot",
                       _ ctx: NimbusRequestContext) async throws -> ImageRecord {
        let source = i.imageRef.isEmpty ? nil : try await store.image(id: i.imageRef)
        var properties = (source?.properties ?? [:]).filter { k, _ in
            !Self.nonInheritableImageProperties.contains(k) && !Self.nonInheritablePrefixes.contains { k.hasPrefix($0) }
        }
        properties["base_image_ref"] = i.imageRef
        properties["instance_uuid"] = i.uuid.lowercasedString
        properties["user_id"] = ctx.auth.userID
        properties["image_type"] = imageType
        let owner = ctx.auth.projectID
        if owner != i.projectID { properties["instance_owner"] = i.projectID }
        properties.merge(metadata) { _, request in request }
        let record = ImageRecord(
            id: UUID().uuidString.lowercased(), name: name, status: "queued",
            visibility: owner == i.projectID ? "private" : "shared", owner: owner,
            minDisk: max(source?.minDisk ?? 0, i.flavor.rootGB), minRAM: source?.minRAM ?? 0, properties: properties)
        return try await store.createImage(record)
    }
}
