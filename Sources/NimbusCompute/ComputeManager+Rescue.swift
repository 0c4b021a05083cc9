import ComputeRPC
import ConductorRPC
import Foundation
import Logging
import NimbusKernel
import NimbusRPC

/// Nova's `rescue_instance`: task `rescuing` → `driver.rescue` → vm_state `rescued`; a driver error (or none able
/// to rescue) leaves the server ERROR with a fault (Nova's `InstanceNotRescuable`), never in a task state.
extension ComputeManager {
    func serveRescue(_ e: inout RPCEndpoint) {
        e.on(ComputeManagerAPI.rescueInstance) { op in
            await self.rescue(op)
            return Empty()
        }
        e.on(ComputeManagerAPI.triggerCrashDump) { op in
            await self.crashDump(op)
            return Empty()
        }
    }

    func rescue(_ op: RescueOperation) async {
        let uuid = op.instance.uuid
        let started = Date()
        var failure: (any Error)?
        do {
            let d = try Self.capability(driver, (any RescuableDriver).self, "rescue")
            try await d.rescue(op.instance, imageRef: op.rescueImageRef)
            let power = (try? await driver.instanceInfo(op.instance).powerState) ?? .running
            try await conductor.update(uuid, InstanceUpdate(vmState: .rescued, taskState: .some(nil), powerState: power,
                                                            expectedTaskStates: [.rescuing]))
        } catch where error.isInstanceGone {
            failure = error
        } catch {
            failure = error
            logger.warning("rescue failed: \(error)", metadata: ["instance": "\(uuid)"])
            try? await conductor.fault(InstanceFault(
                instanceUUID: uuid, code: 400,
                message: "Instance \(uuid.lowercasedString) cannot be rescued: \(Self.faultMessage(error))",
                details: "\(error)", host: host))
            _ = try? await conductor.update(uuid, InstanceUpdate(vmState: .error, taskState: .some(nil),
                                                                 expectedTaskStates: [.rescuing]))
        }
        guard let rid = op.requestID ?? RequestContext.requestID else { return }
        try? await conductor.event(ConductorAPI.ActionEvent(
            instance: uuid, requestID: rid, event: "compute_rescue_instance", host: host, start: started,
            finish: Date(), result: failure == nil ? "Success" : "Error", traceback: failure.map { "\($0)" }))
    }

    /// Nova's `trigger_crash_dump`: nothing changes on the server; the outcome is the action's event.
    func crashDump(_ op: InstanceOperation) async {
        let started = Date()
        var failure: (any Error)?
        do {
            try await Self.capability(driver, (any CrashDumpDriver).self, "trigger crash dump").triggerCrashDump(op.instance)
        } catch {
            failure = error
            logger.warning("trigger_crash_dump failed: \(error)", metadata: ["instance": "\(op.instance.uuid)"])
        }
        guard let rid = op.requestID ?? RequestContext.requestID else { return }
        try? await conductor.event(ConductorAPI.ActionEvent(
            instance: op.instance.uuid, requestID: rid, event: "compute_trigger_crash_dump", host: host,
            start: started, finish: Date(), result: failure == nil ? "Success" : "Error",
            traceback: failure.map { "\($0)" }))
    }
}
