import ComputeRPC
import ConductorRPC
import Foundation
import Logging
import NimbusKernel
import NimbusRPC

/// Nova's `snapshot_instance`: task `image_snapshot` → `image_pending_upload` (the driver writes the disk to a
/// file) → `image_uploading` (the bytes go to the image service through the conductor) → none. vm_state never
/// changes. A failure deletes the image (Nova's `@delete_image_on_error`), records a fault and clears the task
/// state (`@reverts_task_state`); the action's `compute_snapshot_instance` event says Error.
extension ComputeManager {
    func serveSnapshot(_ e: inout RPCEndpoint) {
        e.on(ComputeManagerAPI.snapshotInstance) { op in
            await self.snapshot(op)
            return Empty()
        }
    }

    func snapshot(_ op: SnapshotOperation) async {
        let uuid = op.instance.uuid
        let started = Date()
        var failure: (any Error)?
        do {
            try await conductor.update(uuid, InstanceUpdate(taskState: .some(.imageSnapshot),
                                                            expectedTaskStates: [.imageSnapshotPending]))
            try await uploadSnapshot(op.instance, imageID: op.imageID, after: .imageSnapshot,
                                     pending: .imagePendingUpload, uploading: .imageUploading)
            try await conductor.update(uuid, InstanceUpdate(taskState: .some(nil), expectedTaskStates: [.imageUploading]))
        } catch {
            failure = error
            try? await conductor.deleteImage(op.imageID)
            if !error.isInstanceGone {
                logger.warning("snapshot failed: \(error)", metadata: ["instance": "\(uuid)"])
                try? await conductor.fault(InstanceFault(instanceUUID: uuid, code: 500, message: Self.faultMessage(error),
                                                         details: "\(error)", host: host))
                _ = try? await conductor.update(uuid, InstanceUpdate(
                    taskState: .some(nil),
                    expectedTaskStates: [.imageSnapshotPending, .imageSnapshot, .imagePendingUpload, .imageUploading]))
            }
        }
        guard let rid = op.requestID ?? RequestContext.requestID else { return }
        try? await conductor.event(ConductorAPI.ActionEvent(
            instance: uuid, requestID: rid, event: "compute_snapshot_instance", host: host, start: started,
            finish: Date(), result: failure == nil ? "Success" : "Error", traceback: failure.map { "\($0)" }))
    }

    /// The driver writes the disk to a file under the image cache; the file is sent in bounded ranges and removed.
    /// Shared with shelve, whose task states differ.
    func uploadSnapshot(_ instance: InstanceRecord, imageID: String, after current: TaskState, pending: TaskState,
                        uploading: TaskState) async throws {
        let d = try Self.capability(driver, (any SnapshotDriver).self, "snapshot")
        try await conductor.update(instance.uuid, InstanceUpdate(taskState: .some(pending), expectedTaskStates: [current]))
        let dir = (images.directory as NSString).appendingPathComponent("snapshots")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // Our own name: the image id came over the wire.
        let path = (dir as NSString).appendingPathComponent(UUID().uuidString.lowercased())
        defer { try? FileManager.default.removeItem(atPath: path) }
        let format = try await d.snapshot(instance, to: path)
        try await conductor.update(instance.uuid, InstanceUpdate(taskState: .some(uploading), expectedTaskStates: [pending]))
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RemoteError(type: "SnapshotFailed", message: "the driver wrote no snapshot file")
        }
        defer { try? handle.close() }
        let size = Int(try handle.seekToEnd())
        try handle.seek(toOffset: 0)
        var offset = 0
        repeat {
            let data = try handle.read(upToCount: min(ConductorClient.imageChunk, size - offset)) ?? Data()
            guard !data.isEmpty || offset == size else {
                throw RemoteError(type: "SnapshotFailed", message: "the snapshot file shrank while being read")
            }
            let last = offset + data.count >= size
            try await conductor.uploadImage(ConductorAPI.ImageUpload(
                id: imageID, offset: offset, data: data, final: last, diskFormat: format.diskFormat,
                containerFormat: format.containerFormat))
            offset += data.count
            if last { break }
        } while true
    }
}
