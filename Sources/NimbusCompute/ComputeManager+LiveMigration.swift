import ComputeRPC
import ConductorRPC
import Foundation
import Logging
import NimbusKernel
import NimbusRPC

/// Live migration on the computes (Nova's `live_migration` → `_do_live_migration` on the source, then
/// `post_live_migration_at_destination`): the migration goes `queued` → `preparing` → `running` while the driver
/// copies, `post-migrating` once it converged, and `completed` when the destination owns the guest, in the step
/// that moves the server there and frees the source claim. An abort rolls back to the source (`cancelled`), as
/// does a driver that cannot live-migrate (`error`, vm_state kept); any other failure leaves the server ERROR.
extension ComputeManager {
    func serveLiveMigration(_ e: inout RPCEndpoint) {
        e.on(ComputeManagerAPI.liveMigration) { op in
            await self.liveMigrate(op)
            return Empty()
        }
        e.on(ComputeManagerAPI.postLiveMigrationAtDestination) { op in
            try await self.postLiveMigrationAtDestination(op)
            return Empty()
        }
        e.on(ComputeManagerAPI.liveMigrationForceComplete) { op in
            await self.liveJobControl(op, "compute_live_migration_force_complete") { try await $0.liveMigrationForceComplete($1) }
            return Empty()
        }
        e.on(ComputeManagerAPI.liveMigrationAbort) { op in
            await self.liveJobControl(op, "compute_live_migration_abort") { try await $0.liveMigrationAbort($1) }
            return Empty()
        }
    }

    private var liveMigratable: any LiveMigratableDriver {
        get throws { try Self.capability(driver, (any LiveMigratableDriver).self, "live migration") }
    }

    /// Source: the steps around the driver's copy, then the destination takes the guest over.
    func liveMigrate(_ op: MigrationOperation) async {
        let started = Date()
        let m = op.migration
        var status = "accepted"
        do {
            let d = try liveMigratable
            guard let dest = m.destCompute else { throw VirtDriverError.invalidState("the migration has no destination") }
            for next in ["queued", "preparing", "running"] {
                try await conductor.step(MigrationStep(migrationUUID: m.uuid, expectedStatuses: [status], status: next))
                status = next
            }
            // The copy may outlast the conductor's stalled-move window: the migration is touched every second
            // while it runs, so only a dead source leaves it to the sweep.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await d.liveMigration(op.instance, destination: m.destHost ?? dest) }
                group.addTask {
                    while true {
                        try await Task.sleep(for: .seconds(1))
                        _ = try? await self.conductor.step(MigrationStep(migrationUUID: m.uuid, expectedStatuses: ["running"],
                                                                         status: "running"))
                    }
                }
                try await group.next()
                group.cancelAll()
            }
            let r = try await conductor.step(MigrationStep(migrationUUID: m.uuid, expectedStatuses: ["running"],
                                                           status: "post-migrating"))
            status = "post-migrating"
            try await d.postLiveMigrationAtSource(op.instance)
            _ = try await peers.prepare(server: dest).call(ComputeManagerAPI.postLiveMigrationAtDestination,
                                                       MigrationOperation(instance: r.instance, migration: r.migration,
                                                                          requestID: op.requestID))
            await moveEvent(op, "compute_live_migration", started: started, error: nil)
        } catch {
            await liveMigrationFailed(op, from: status, error: error, started: started)
        }
    }

    /// Destination: the guest runs here; the server, its host and its claim move in one step.
    func postLiveMigrationAtDestination(_ op: MigrationOperation) async throws {
        let m = op.migration
        try await liveMigratable.postLiveMigrationAtDestination(op.instance, powerState: op.instance.powerState)
        let power = (try? await driver.instanceInfo(op.instance).powerState) ?? op.instance.powerState
        try await conductor.step(MigrationStep(
            migrationUUID: m.uuid, expectedStatuses: ["post-migrating"], status: "completed",
            destHost: try? await driver.hostResources().hostIP,
            instance: InstanceUpdate(taskState: .some(nil), powerState: power, host: .some(host),
                                     node: .some(m.destNode ?? host), expectedTaskStates: [.migrating]),
            allocations: .dropSource))
    }

    /// Nova's `_rollback_live_migration`: the server stays on the source with its claim, task None; the
    /// migration `cancelled` after an abort, `error` otherwise. A driver failure other than "cannot" leaves the
    /// server ERROR with a fault, as Nova's.
    private func liveMigrationFailed(_ op: MigrationOperation, from status: String, error: any Error,
                                     started: Date) async {
        let uuid = op.instance.uuid
        let aborted = error is LiveMigrationAborted
        let keep = aborted || (error as? RemoteError)?.type == "NotImplemented" || status == "accepted"
        logger.warning("live migration failed at \(status): \(error)", metadata: ["instance": "\(uuid)"])
        if !aborted {
            try? await conductor.fault(InstanceFault(instanceUUID: uuid, code: 500, message: Self.faultMessage(error),
                                                     details: "\(error)", host: host))
        }
        await moveEvent(op, "compute_live_migration", started: started, error: aborted ? nil : error)
        _ = try? await conductor.step(MigrationStep(
            migrationUUID: op.migration.uuid, expectedStatuses: [status], status: aborted ? "cancelled" : "error",
            instance: InstanceUpdate(vmState: keep ? op.instance.vmState : .error, taskState: .some(nil),
                                     host: .some(op.migration.sourceCompute), node: .some(op.migration.sourceNode),
                                     expectedTaskStates: [.migrating]),
            allocations: .restoreSource))
    }

    /// force_complete and abort reach the source's driver; the request's action gets the event.
    private func liveJobControl(_ op: MigrationOperation, _ event: String,
                                _ body: @Sendable (any LiveMigratableDriver, InstanceRecord) async throws -> Void) async {
        let started = Date()
        do {
            try await body(try liveMigratable, op.instance)
            await moveEvent(op, event, started: started, error: nil)
        } catch {
            logger.warning("\(event) failed: \(error)", metadata: ["instance": "\(op.instance.uuid)"])
            await moveEvent(op, event, started: started, error: error)
        }
    }
}
