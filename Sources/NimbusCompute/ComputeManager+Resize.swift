import ComputeRPC
import ConductorRPC
import Foundation
import Logging
import NimbusKernel
import NimbusRPC

extension ConductorClient {
    @discardableResult
    func step(_ s: MigrationStep) async throws -> ConductorAPI.MigrationStepResult {
        try await db.call(ConductorAPI.migrationStep, s)
    }
}

/// Resize and cold migrate on the compute side (Nova's `prep_resize` → `resize_instance` → `finish_resize`,
/// `confirm_resize`, `revert_resize` → `finish_revert_resize`). Every database change is one `migration_step`
/// (status, instance and allocations in one transaction); a failing step records a fault and a failed event and
/// leaves the server usable (Nova's `_error_out_instance_on_exception`): before the guest left the source the
/// move is undone (the source allocation goes back to the instance, the vm_state is kept), after it the server
/// is ERROR on the destination, which holds its claim.
extension ComputeManager {
    func serveResize(_ e: inout RPCEndpoint) {
        step(&e, ComputeManagerAPI.prepResize, rollback: true) { m, op in try await m.prepResize(op) }
        step(&e, ComputeManagerAPI.resizeInstance, rollback: true) { m, op in try await m.resizeInstance(op) }
        step(&e, ComputeManagerAPI.finishResize, rollback: false) { m, op in try await m.finishResize(op) }
        step(&e, ComputeManagerAPI.confirmResize, rollback: false) { m, op in try await m.confirmResize(op) }
        step(&e, ComputeManagerAPI.revertResize, rollback: false) { m, op in try await m.revertResize(op) }
        step(&e, ComputeManagerAPI.finishRevertResize, rollback: false) { m, op in try await m.finishRevertResize(op) }
    }

    private func step(_ e: inout RPCEndpoint, _ method: ComputeManagerAPI.MoveStep, rollback: Bool,
                      _ body: @escaping @Sendable (ComputeManager, MigrationOperation) async throws -> Void) {
        e.on(method) { op in
            let started = Date()
            let event = "compute_\(method.name)"
            do {
                try await body(self, op)
                await self.moveEvent(op, event, started: started, error: nil)
            } catch {
                await self.moveFailed(op, event, started: started, error: error, rollback: rollback)
            }
            return Empty()
        }
    }

    private var movable: any MigratableDriver {
        get throws { try Self.capability(driver, (any MigratableDriver).self, "resize and cold migrate") }
    }

    /// Destination: take the move (Nova's `resize_claim` already happened in the scheduler: the instance holds
    /// the new flavor here) and hand it to the source.
    func prepResize(_ op: MigrationOperation) async throws {
        _ = try movable
        let hostIP = (try? await driver.hostResources().hostIP) ?? host
        let r = try await conductor.step(MigrationStep(
            migrationUUID: op.migration.uuid, expectedStatuses: ["pre-migrating"], status: "pre-migrating",
            destCompute: host, destNode: op.migration.destNode ?? host, destHost: hostIP))
        try await peers.prepare(server: op.migration.sourceCompute).cast(
            ComputeManagerAPI.resizeInstance, MigrationOperation(instance: r.instance, migration: r.migration,
                                                                 requestID: op.requestID))
    }

    /// Source: power the guest off and hand its disk over; the instance now belongs to the destination.
    func resizeInstance(_ op: MigrationOperation) async throws {
        let d = try movable
        let m = op.migration
        let dest = m.destCompute ?? host
        try await conductor.step(MigrationStep(
            migrationUUID: m.uuid, expectedStatuses: ["pre-migrating"], status: "migrating",
            instance: InstanceUpdate(taskState: .some(.resizeMigrating), expectedTaskStates: [.resizePrep])))
        try await d.migrateDiskAndPowerOff(op.instance, destination: m.destHost ?? dest)
        let r = try await conductor.step(MigrationStep(
            migrationUUID: m.uuid, expectedStatuses: ["migrating"], status: "post-migrating",
            instance: InstanceUpdate(taskState: .some(.resizeMigrated), host: .some(dest), node: .some(m.destNode ?? dest),
                                     expectedTaskStates: [.resizeMigrating])))
        try await peers.prepare(server: dest).cast(
            ComputeManagerAPI.finishResize, MigrationOperation(instance: r.instance, migration: r.migration,
                                                               requestID: op.requestID))
    }

    /// Destination: start the guest with the new flavor; the server waits in VERIFY_RESIZE.
    func finishResize(_ op: MigrationOperation) async throws {
        let m = op.migration
        var instance = op.instance
        instance.flavor = m.newFlavor
        let powerOn = m.oldVMState != .stopped
        try await movable.finishMigration(instance, powerOn: powerOn)
        let power = (try? await driver.instanceInfo(instance).powerState) ?? (powerOn ? .running : .shutdown)
        try await conductor.step(MigrationStep(
            migrationUUID: m.uuid, expectedStatuses: ["post-migrating"], status: "finished",
            instance: InstanceUpdate(vmState: .resized, taskState: .some(nil), powerState: power,
                                     launchedAt: Date(), expectedTaskStates: [.resizeMigrated]),
            flavor: m.newFlavor))
    }

    /// Source: drop the old copy and its claim (Nova's `drop_move_claim_at_source`).
    func confirmResize(_ op: MigrationOperation) async throws {
        let m = op.migration
        if m.destCompute != m.sourceCompute { try await movable.confirmMigration(op.instance) }
        let running = op.instance.powerState == .running
        try await conductor.step(MigrationStep(
            migrationUUID: m.uuid, expectedStatuses: ["confirming"], status: "confirmed",
            instance: InstanceUpdate(vmState: running ? .active : .stopped, taskState: .some(nil),
                                     expectedTaskStates: [nil]),
            allocations: .dropSource))
    }

    /// Destination: drop the new copy, then the source takes the server back.
    func revertResize(_ op: MigrationOperation) async throws {
        let m = op.migration
        if m.destCompute != m.sourceCompute {
            try await driver.destroy(op.instance)
            await network?.unplug(op.instance.uuid)
        }
        try await peers.prepare(server: m.sourceCompute).cast(ComputeManagerAPI.finishRevertResize, op)
    }

    /// Source: the old flavor, host and claim come back in one step (`drop_move_claim_at_dest` and the
    /// allocation move), then the guest starts again unless it was stopped.
    func finishRevertResize(_ op: MigrationOperation) async throws {
        let m = op.migration
        var instance = op.instance
        instance.flavor = m.oldFlavor
        instance.host = m.sourceCompute
        instance.node = m.sourceNode
        let powerOn = m.oldVMState != .stopped
        try await movable.finishRevertMigration(instance, powerOn: powerOn)
        try await conductor.step(MigrationStep(
            migrationUUID: m.uuid, expectedStatuses: ["reverting"], status: "reverted",
            instance: InstanceUpdate(vmState: powerOn ? .active : .stopped, taskState: .some(nil),
                                     powerState: powerOn ? .running : .shutdown, host: .some(m.sourceCompute),
                                     node: .some(m.sourceNode), expectedTaskStates: [.resizeReverting]),
            flavor: m.oldFlavor, allocations: .restoreSource))
    }

    /// A failed step: fault, failed event, and a state nobody is stuck in.
    private func moveFailed(_ op: MigrationOperation, _ event: String, started: Date, error: any Error,
                            rollback: Bool) async {
        let uuid = op.instance.uuid
        logger.warning("\(event) failed: \(error)", metadata: ["instance": "\(uuid)"])
        try? await conductor.fault(InstanceFault(instanceUUID: uuid, code: 500, message: Self.faultMessage(error),
                                                 details: "\(error)", host: host))
        await moveEvent(op, event, started: started, error: error)
        let notImplemented = (error as? RemoteError)?.type == "NotImplemented"
        // Before the guest left the source (or the driver cannot move at all), undo: the vm_state is kept.
        // Later, the server is ERROR where it is, as Nova leaves it ("hard reboot to recover").
        let undo = rollback || notImplemented
        let keep = op.migration.oldVMState
        _ = try? await conductor.step(MigrationStep(
            migrationUUID: op.migration.uuid,
            expectedStatuses: ["pre-migrating", "migrating", "post-migrating", "confirming", "reverting"],
            status: "error",
            instance: InstanceUpdate(vmState: undo ? keep : .error, taskState: .some(nil),
                                     host: undo ? .some(op.migration.sourceCompute) : nil,
                                     node: undo ? .some(op.migration.sourceNode) : nil),
            // The flavor agrees with the claim the instance keeps: the source's old one, or the destination's new one.
            flavor: undo ? op.migration.oldFlavor : op.migration.newFlavor,
            allocations: undo ? .restoreSource : .dropSource))
        if undo, op.migration.destCompute != op.migration.sourceCompute, event == "compute_resize_instance" {
            // The source stopped the guest before failing: start it again where it is.
            try? await (driver as? any MigratableDriver)?.finishRevertMigration(op.instance, powerOn: keep != .stopped)
        }
    }

    func moveEvent(_ op: MigrationOperation, _ event: String, started: Date, error: (any Error)?) async {
        guard let rid = op.requestID ?? RequestContext.requestID else { return }
        try? await conductor.event(ConductorAPI.ActionEvent(
            instance: op.instance.uuid, requestID: rid, event: event, host: host, start: started, finish: Date(),
            result: error == nil ? "Success" : "Error", traceback: error.map { "\($0)" }))
    }
}
