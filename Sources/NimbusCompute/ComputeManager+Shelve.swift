import ComputeRPC
import ConductorRPC
import Foundation
import Logging
import NimbusKernel
import NimbusRPC

/// Nova's `shelve_instance`, `shelve_offload_instance` and `unshelve_instance`.
///
/// Shelve: power off, snapshot (task `shelving_image_pending_upload` → `shelving_image_uploading`), vm_state
/// `shelved`; with `shelved_offload_time` = 0 straight on to the offload (task `shelving_offloading`): the guest is
/// destroyed and, in one transaction, the claim freed and the host cleared (`shelved_offloaded`). Unshelve of an
/// offloaded server spawns it from the snapshot on the host the scheduler claimed, then deletes the snapshot.
extension ComputeManager {
    func serveShelve(_ e: inout RPCEndpoint) {
        e.on(ComputeManagerAPI.shelveInstance) { op in
            await self.shelve(op)
            return Empty()
        }
        e.on(ComputeManagerAPI.shelveOffloadInstance) { op in
            await self.offload(op)
            return Empty()
        }
        e.on(ComputeManagerAPI.unshelveInstance) { op in
            await self.unshelve(op)
            return Empty()
        }
    }

    func shelve(_ op: SnapshotOperation) async {
        let uuid = op.instance.uuid
        let started = Date()
        var failure: (any Error)?
        var uploaded = false
        do {
            try await driver.powerOff(op.instance)
            try await uploadSnapshot(op.instance, imageID: op.imageID, after: .shelving,
                                     pending: .shelvingImagePendingUpload, uploading: .shelvingImageUploading)
            uploaded = true
            let offload = shelvedOffloadTime == 0
            try await conductor.update(uuid, InstanceUpdate(
                vmState: .shelved, taskState: .some(offload ? .shelvingOffloading : nil), powerState: .shutdown,
                expectedTaskStates: [.shelvingImageUploading]))
            if offload { try await offloadGuest(op.instance) }
        } catch {
            failure = error
            // A snapshot that never completed is useless (Nova's @delete_image_on_error).
            if !uploaded { try? await conductor.deleteImage(op.imageID) }
            if !error.isInstanceGone {
                logger.warning("shelve failed: \(error)", metadata: ["instance": "\(uuid)"])
                try? await conductor.fault(InstanceFault(instanceUUID: uuid, code: 500, message: Self.faultMessage(error),
                                                         details: "\(error)", host: host))
                // Nova's reverts_task_state: the vm_state stays what it was (shelved, if only the offload failed).
                _ = try? await conductor.update(uuid, InstanceUpdate(
                    taskState: .some(nil), expectedTaskStates: [.shelving, .shelvingImagePendingUpload,
                                                                .shelvingImageUploading, .shelvingOffloading]))
            }
        }
        await shelveEvent(uuid, op.requestID, "compute_shelve_instance", started, failure)
    }

    /// `shelve_offload_instance` (the API's shelveOffload of a `shelved` server).
    func offload(_ op: InstanceOperation) async {
        let started = Date()
        var failure: (any Error)?
        do { try await offloadGuest(op.instance) } catch {
            failure = error
            if !error.isInstanceGone {
                try? await conductor.fault(InstanceFault(instanceUUID: op.instance.uuid, code: 500,
                                                         message: Self.faultMessage(error), details: "\(error)", host: host))
                _ = try? await conductor.update(op.instance.uuid, InstanceUpdate(
                    taskState: .some(nil), expectedTaskStates: [.shelvingOffloading]))
            }
        }
        await shelveEvent(op.instance.uuid, op.requestID, "compute_shelve_offload_instance", started, failure)
    }

    /// Nova's `_shelve_offload_instance`: the guest goes, then the claim and the host in one database write.
    func offloadGuest(_ instance: InstanceRecord) async throws {
        try? await driver.powerOff(instance)
        try await driver.destroy(instance)
        _ = try await conductor.db.call(ConductorAPI.shelveOffloadFinish, ConductorAPI.UUIDArg(instance.uuid))
    }

    func unshelve(_ op: UnshelveOperation) async {
        let uuid = op.instance.uuid
        let started = Date()
        var failure: (any Error)?
        do {
            var instance = try await conductor.update(uuid, InstanceUpdate(
                taskState: .some(.spawning), host: .some(host), node: .some(op.selection.nodename),
                expectedTaskStates: [.unshelving]))
            // The guest boots from the snapshot; the server keeps naming its original image, as Nova's.
            var boot = instance
            if let image = op.imageID { boot.imageRef = image }
            try await driver.spawn(try await spawnRequest(boot, RequestSpec(flavor: boot.flavor, imageRef: boot.imageRef)))
            let power = (try? await driver.instanceInfo(boot).powerState) ?? .running
            instance = try await conductor.update(uuid, InstanceUpdate(
                vmState: .active, taskState: .some(nil), powerState: power, launchedAt: Date(),
                expectedTaskStates: [.spawning]))
            if let image = op.imageID { try? await conductor.deleteImage(image) }
        } catch {
            failure = error
            if !error.isInstanceGone {
                logger.warning("unshelve failed: \(error)", metadata: ["instance": "\(uuid)"])
                try? await driver.destroy(op.instance)
                try? await conductor.fault(InstanceFault(instanceUUID: uuid, code: 500, message: Self.faultMessage(error),
                                                         details: "\(error)", host: host))
                // Back to offloaded with the new claim released: the snapshot is kept for another try.
                _ = try? await conductor.update(uuid, InstanceUpdate(taskState: .some(.shelvingOffloading),
                                                                     expectedTaskStates: [.spawning, .unshelving]))
                _ = try? await conductor.db.call(ConductorAPI.shelveOffloadFinish, ConductorAPI.UUIDArg(uuid))
            }
        }
        await shelveEvent(uuid, op.requestID, "compute_unshelve_instance", started, failure)
    }

    private func shelveEvent(_ uuid: UUID, _ rid: String?, _ name: String, _ started: Date, _ failure: (any Error)?) async {
        guard let rid = rid ?? RequestContext.requestID else { return }
        try? await conductor.event(ConductorAPI.ActionEvent(
            instance: uuid, requestID: rid, event: name, host: host, start: started, finish: Date(),
            result: failure == nil ? "Success" : "Error", traceback: failure.map { "\($0)" }))
    }
}
