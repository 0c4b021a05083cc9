import ComputeRPC
import Foundation
import Logging
import NimbusKernel
import NimbusRPC
import NimbusStore

/// Settling moves nobody drives any more, and Nova's `_poll_unconfirmed_resizes`.
extension ConductorManager {
    /// A move whose step has not been written for `service_down_time` + `rpc_response_timeout` lost its daemon
    /// (kill -9 of a compute or of this conductor between casts). A confirm is finished (the destination already
    /// runs the server); anything else goes back to the source, which keeps the old flavor's claim: the server is
    /// ACTIVE (nothing was touched yet) or ERROR with a fault, and no task state or second claim is left.
    @discardableResult
    public func sweepStalledMoves(serviceDownTime: Double, now: Date = Date()) async throws -> Int {
        let stalled = try await store.stalledMigrations(before: now.addingTimeInterval(-(serviceDownTime + rpcTimeout)))
        var settled = 0
        for m in stalled {
            let step: MigrationStep
            if m.status == "confirming" {
                step = MigrationStep(
                    migrationUUID: m.uuid, expectedStatuses: [m.status], status: "confirmed",
                    instance: InstanceUpdate(vmState: m.oldVMState == .stopped ? .stopped : .active, taskState: .some(nil)),
                    allocations: .dropSource)
            } else {
                // Before the guest was touched: a resize not yet started on the source, a live migration before
                // its copy, an evacuation the destination never took.
                let untouched = ["accepted", "queued", "preparing"].contains(m.status)
                    || (m.status == "pre-migrating" && m.kind != .evacuation)
                step = MigrationStep(
                    migrationUUID: m.uuid, expectedStatuses: [m.status], status: "error",
                    instance: InstanceUpdate(vmState: untouched ? m.oldVMState : .error, taskState: .some(nil),
                                             host: .some(m.sourceCompute), node: .some(m.sourceNode)),
                    flavor: m.oldFlavor, allocations: .restoreSource)
            }
            do {
                try await store.applyMigrationStep(step)
                settled += 1
            } catch {
                continue  // moved on meanwhile, or deleted
            }
            if m.status != "confirming" {
                try? await store.addFault(InstanceFault(
                    instanceUUID: m.instanceUUID, code: 500,
                    message: "The \(m.kind.rawValue) stopped at \(m.status): a service died during it.",
                    details: "No step written since \(m.updatedAt ?? m.createdAt).", host: m.destCompute))
            }
            logger.warning("settled a stalled move", metadata: ["instance": "\(m.instanceUUID)", "status": "\(m.status)"])
        }
        return settled
    }

    /// `resize_confirm_window`: a resize in VERIFY_RESIZE longer than the window is confirmed as if the user had
    /// (action `confirmResize`); one whose server is no longer waiting (ERROR, or busy) is `error`, as Nova's.
    @discardableResult
    public func confirmOverdueResizes(now: Date = Date()) async throws -> Int {
        guard resizeConfirmWindow > 0 else { return 0 }
        var confirmed = 0
        for m in try await store.unconfirmedMigrations(before: now.addingTimeInterval(-Double(resizeConfirmWindow))) {
            guard let i = try await store.instance(m.instanceUUID) else { continue }
            guard i.vmState == .resized, i.taskState == nil else {
                _ = try? await store.applyMigrationStep(MigrationStep(migrationUUID: m.uuid, expectedStatuses: ["finished"],
                                                                      status: "error"))
                continue
            }
            guard let (mig, inst) = try? await store.applyMigrationStep(MigrationStep(
                migrationUUID: m.uuid, expectedStatuses: ["finished"], status: "confirming",
                instance: InstanceUpdate(expectedTaskStates: [nil])))
            else { continue }
            let rid = RequestContext.newRequestID()
            try await store.startAction(i.uuid, action: "confirmResize", requestID: rid, userID: m.userID,
                                        projectID: i.projectID)
            do {
                try await compute.prepare(server: m.sourceCompute).cast(
                    ComputeManagerAPI.confirmResize, MigrationOperation(instance: inst, migration: mig, requestID: rid))
                confirmed += 1
            } catch {
                // Source unreachable: leave it confirming; the stalled-move sweep finishes it.
                logger.warning("auto-confirm could not reach \(m.sourceCompute): \(error)")
            }
        }
        return confirmed
    }
}
