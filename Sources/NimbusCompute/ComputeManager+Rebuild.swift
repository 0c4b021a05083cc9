import ComputeRPC
import ConductorRPC
import Foundation
import Logging
import NimbusKernel
import NimbusRPC

/// Nova's `rebuild_instance` with the default implementation (`_rebuild_default_impl`): destroy the guest and
/// spawn it again from the new image on the same host, under the same claim. Task states `rebuilding` →
/// `rebuild_block_device_mapping` → `rebuild_spawning` → none; a stopped server is stopped again afterwards.
/// A failure leaves it ERROR with a fault (Nova's `_error_out_instance_on_exception`), never in a task state.
extension ComputeManager {
    func serveRebuild(_ e: inout RPCEndpoint) {
        e.on(ComputeManagerAPI.rebuildInstance) { op in
            if let m = op.migration { await self.evacuate(op, m) } else { await self.rebuild(op) }
            return Empty()
        }
    }

    func rebuild(_ op: RebuildOperation) async {
        let uuid = op.instance.uuid
        let started = Date()
        var result: (any Error)?
        do {
            try await conductor.update(uuid, InstanceUpdate(taskState: .some(.rebuildBlockDeviceMapping),
                                                            expectedTaskStates: [.rebuilding]))
            try? await driver.destroy(op.instance)
            try await conductor.update(uuid, InstanceUpdate(taskState: .some(.rebuildSpawning),
                                                            expectedTaskStates: [.rebuildBlockDeviceMapping]))
            try await driver.spawn(try await spawnRequest(op.instance, RequestSpec(
                flavor: op.instance.flavor, imageRef: op.instance.imageRef, imageProperties: op.imageProperties)))
            let stopped = op.oldVMState == .stopped
            if stopped { try await driver.powerOff(op.instance) }
            let power = (try? await driver.instanceInfo(op.instance).powerState) ?? (stopped ? .shutdown : .running)
            try await conductor.update(uuid, InstanceUpdate(
                vmState: stopped ? .stopped : .active, taskState: .some(nil), powerState: power,
                launchedAt: Date(), expectedTaskStates: [.rebuildSpawning]))
        } catch where error.isInstanceGone {
            result = error
        } catch {
            result = error
            logger.warning("rebuild failed: \(error)", metadata: ["instance": "\(uuid)"])
            try? await conductor.fault(InstanceFault(instanceUUID: uuid, code: 500, message: Self.faultMessage(error),
                                                     details: "\(error)", host: host))
            _ = try? await conductor.update(uuid, InstanceUpdate(
                vmState: .error, taskState: .some(nil),
                expectedTaskStates: [.rebuilding, .rebuildBlockDeviceMapping, .rebuildSpawning]))
        }
        guard let rid = op.requestID ?? RequestContext.requestID else { return }
        try? await conductor.event(ConductorAPI.ActionEvent(
            instance: uuid, requestID: rid, event: "compute_rebuild_instance", host: host, start: started,
            finish: Date(), result: result == nil ? "Success" : "Error", traceback: result.map { "\($0)" }))
    }
}
