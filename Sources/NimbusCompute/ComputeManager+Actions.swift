import ComputeRPC
import ConductorRPC
import Foundation
import Logging
import NimbusKernel
import NimbusRPC

/// The server actions the API casts (reboot, stop, start, pause, …), each run under Nova's three decorators
/// so no failure leaves an instance stuck in its task state.
extension ComputeManager {
    func serveActions(_ e: inout RPCEndpoint) {
        on(&e, ComputeManagerAPI.rebootInstance, from: [.rebooting, .rebootingHard], to: .active) { d, op in
            try await d.reboot(op.instance, hard: op.hard)
        }
        on(&e, ComputeManagerAPI.stopInstance, from: [.poweringOff], to: .stopped) { d, op in
            try await d.powerOff(op.instance)
        }
        on(&e, ComputeManagerAPI.startInstance, from: [.poweringOn], to: .active) { d, op in
            try await d.powerOn(op.instance)
        }
        on(&e, ComputeManagerAPI.pauseInstance, from: [.pausing], to: .paused) { d, op in
            try await Self.capability(d, (any PausableDriver).self, "pause").pause(op.instance)
        }
        on(&e, ComputeManagerAPI.unpauseInstance, from: [.unpausing], to: .active) { d, op in
            try await Self.capability(d, (any PausableDriver).self, "unpause").unpause(op.instance)
        }
        on(&e, ComputeManagerAPI.suspendInstance, from: [.suspending], to: .suspended) { d, op in
            try await Self.capability(d, (any SuspendableDriver).self, "suspend").suspend(op.instance)
        }
        on(&e, ComputeManagerAPI.resumeInstance, from: [.resuming], to: .active) { d, op in
            try await Self.capability(d, (any SuspendableDriver).self, "resume").resume(op.instance)
        }
        on(&e, ComputeManagerAPI.unrescueInstance, from: [.unrescuing], to: .active) { d, op in
            try await Self.capability(d, (any RescuableDriver).self, "unrescue").unrescue(op.instance)
        }
        // Soft delete and restore: Nova's fallbacks for a driver without soft_delete/restore (libvirt, fake).
        on(&e, ComputeManagerAPI.softDeleteInstance, from: [.softDeleting], to: .softDeleted) { d, op in
            try await d.powerOff(op.instance)
        }
        on(&e, ComputeManagerAPI.restoreInstance, from: [.restoring], to: .active) { d, op in
            try await d.powerOn(op.instance)
        }
    }

    private func on(_ e: inout RPCEndpoint, _ method: ComputeManagerAPI.Operation, from: [TaskState],
                    to vmState: VMState, _ body: @escaping @Sendable (any VirtDriver, InstanceOperation) async throws -> Void) {
        let driver = self.driver
        e.on(method) { op in
            try await self.act(op, event: "compute_\(method.name)", from: from, to: vmState) { try await body(driver, op) }
            return Empty()
        }
    }

    /// The driver as the refining protocol an action needs; Nova's base driver raises NotImplementedError.
    static func capability<T>(_ driver: any VirtDriver, _: T.Type, _ what: String) throws -> T {
        guard let d = driver as? T else {
            throw RemoteError(type: "NotImplemented", message: "Driver \(type(of: driver).name) does not support \(what).")
        }
        return d
    }

    /// Runs a driver operation for an instance whose task state the API set, as Nova's decorators do, from the
    /// inside out: `wrap_instance_fault` (a failure becomes an instance fault), `wrap_instance_event` (the
    /// request's action gets event `compute_<method>` with result Success or Error and the error as traceback),
    /// `reverts_task_state` (a failure clears the task state, so the server is usable again). On success the new
    /// vm_state and the driver's power state are saved, guarded by the expected task states. When the instance
    /// was deleted or taken over meanwhile, nothing is reverted: the task state is no longer ours (as Nova's
    /// `reverts_task_state` on `UnexpectedTaskStateError`).
    func act(_ op: InstanceOperation, event: String, from: [TaskState], to vmState: VMState,
             _ body: @Sendable () async throws -> Void) async throws {
        let instance = op.instance
        let started = Date()
        do {
            try await body()
            let power = (try? await driver.instanceInfo(instance).powerState) ?? .noState
            try await conductor.update(instance.uuid, InstanceUpdate(
                vmState: vmState, taskState: .some(nil), powerState: power, expectedTaskStates: from.map { $0 }))
        } catch where error.isInstanceGone {
            await actionEvent(op, event, started: started, result: "Error", error: error)
            throw error
        } catch {
            logger.warning("\(event) failed: \(error)", metadata: ["instance": "\(instance.uuid)"])
            try? await conductor.fault(InstanceFault(instanceUUID: instance.uuid, code: 500,
                                                     message: Self.faultMessage(error), details: "\(error)", host: host))
            await actionEvent(op, event, started: started, result: "Error", error: error)
            _ = try? await conductor.update(instance.uuid, InstanceUpdate(taskState: .some(nil),
                                                                          expectedTaskStates: from.map { $0 }))
            throw error
        }
        await actionEvent(op, event, started: started, result: "Success", error: nil)
    }

    /// Nova's `exception_to_dict`: the error's own message, at most 255 characters (the column's size).
    static func faultMessage(_ error: any Error) -> String {
        let text = (error as? RemoteError)?.message ?? "\(error)"
        return String((text.isEmpty ? "\(type(of: error))" : text).prefix(255))
    }

    private func actionEvent(_ op: InstanceOperation, _ event: String, started: Date, result: String,
                             error: (any Error)?) async {
        guard let rid = op.requestID ?? RequestContext.requestID else { return }
        try? await conductor.event(ConductorAPI.ActionEvent(
            instance: op.instance.uuid, requestID: rid, event: event, host: host, start: started, finish: Date(),
            result: result, traceback: error.map { "\($0)" }))
    }
}
