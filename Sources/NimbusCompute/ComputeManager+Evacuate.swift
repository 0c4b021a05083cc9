import ComputeRPC
import ConductorRPC
import Foundation
import Logging
import NimbusKernel
import NimbusRPC

/// Evacuate on the destination (Nova's `rebuild_instance` with `recreate`): the migration `pre-migrating` with
/// the server moved here (task `rebuild_spawning`), the guest spawned from its image, then `done` with the
/// server ACTIVE (2.95: stopped). Nothing is destroyed on the dead source; when it comes back it destroys the
/// leftover guest and frees its claim (Nova's `_destroy_evacuated_instances`, `destroyEvacuatedInstances`).
extension ComputeManager {
    func evacuate(_ op: RebuildOperation, _ m: MigrationRecord) async {
        let uuid = op.instance.uuid
        let started = Date()
        var failure: (any Error)?
        do {
            let node = m.destNode ?? host
            let moved = try await conductor.step(MigrationStep(
                migrationUUID: m.uuid, expectedStatuses: ["accepted"], status: "pre-migrating", destCompute: host,
                destNode: node, destHost: try? await driver.hostResources().hostIP,
                instance: InstanceUpdate(taskState: .some(.rebuildSpawning), host: .some(host), node: .some(node),
                                         expectedTaskStates: [.rebuilding]),
                allocations: .keep)).instance
            try await driver.spawn(try await spawnRequest(moved, RequestSpec(
                flavor: moved.flavor, imageRef: moved.imageRef, imageProperties: op.imageProperties)))
            let stopped = op.targetStopped == true
            if stopped { try await driver.powerOff(moved) }
            let power = (try? await driver.instanceInfo(moved).powerState) ?? (stopped ? .shutdown : .running)
            try await conductor.step(MigrationStep(
                migrationUUID: m.uuid, expectedStatuses: ["pre-migrating"], status: "done",
                instance: InstanceUpdate(vmState: stopped ? .stopped : .active, taskState: .some(nil), powerState: power,
                                         launchedAt: Date(), expectedTaskStates: [.rebuildSpawning]),
                allocations: .keep))
        } catch {
            failure = error
            logger.warning("evacuation failed: \(error)", metadata: ["instance": "\(uuid)"])
            try? await driver.destroy(op.instance)
            try? await conductor.fault(InstanceFault(instanceUUID: uuid, code: 500, message: Self.faultMessage(error),
                                                     details: "\(error)", host: host))
            // Nova's `failed`: the destination claim goes, the server is ERROR where it was.
            _ = try? await conductor.step(MigrationStep(
                migrationUUID: m.uuid, expectedStatuses: ["accepted", "pre-migrating"], status: "failed",
                instance: InstanceUpdate(vmState: .error, taskState: .some(nil), host: .some(m.sourceCompute),
                                         node: .some(m.sourceNode), expectedTaskStates: [.rebuilding, .rebuildSpawning]),
                allocations: .restoreSource))
        }
        guard let rid = op.requestID ?? RequestContext.requestID else { return }
        try? await conductor.event(ConductorAPI.ActionEvent(
            instance: uuid, requestID: rid, event: "compute_rebuild_instance", host: host, start: started,
            finish: Date(), result: failure == nil ? "Success" : "Error", traceback: failure.map { "\($0)" }))
    }

    /// At start: guests of servers evacuated away while this host was down are destroyed, their migrations
    /// `completed` and the source claims (the migrations' consumers) freed.
    func destroyEvacuatedInstances() async throws {
        let done = try await conductor.db.call(ConductorAPI.evacuationsFromHost, ConductorAPI.HostArg(host))
        for m in done {
            logger.info("destroying the guest of an evacuated server", metadata: ["instance": "\(m.instanceUUID)"])
            let ghost = InstanceRecord(uuid: m.instanceUUID, name: "", projectID: m.projectID, userID: m.userID,
                                       flavor: m.oldFlavor, imageRef: "")
            try? await driver.destroy(ghost)
            _ = try? await conductor.step(MigrationStep(migrationUUID: m.uuid, expectedStatuses: ["done"],
                                                        status: "completed", allocations: .dropSource))
        }
    }
}
