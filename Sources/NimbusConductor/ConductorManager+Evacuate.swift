import ComputeRPC
import ConductorRPC
import Foundation
import Logging
import NimbusKernel
import NimbusRPC
import NimbusStore
import SchedulerRPC

/// Evacuate in the conductor (Nova's `rebuild_instance(recreate=True)`): the `evacuation` migration (its consumer
/// keeps the source claim until the source compute comes back and cleans up), a scheduling pass that ignores the
/// source and claims the destination for the instance, and the cast of `rebuild_instance` to the destination.
/// NoValidHost leaves the server ERROR with a fault and the migration `error`, as Nova's.
extension ConductorManager {
    func serveEvacuate(_ task: inout RPCEndpoint, _ db: inout RPCEndpoint) {
        task.on(ComputeTaskAPI.rebuildInstance) { a in
            await self.evacuate(a)
            return Empty()
        }
        db.on(ConductorAPI.evacuationsFromHost) { a in
            var out: [MigrationRecord] = []
            for m in try await store.migrations(MigrationQuery(host: a.host, status: "done", kind: "evacuation"))
            where m.sourceCompute == a.host {
                // Only a server that really lives elsewhere now: its guest here is the leftover.
                if let i = try await store.instance(m.instanceUUID), i.host == a.host { continue }
                out.append(m)
            }
            return out
        }
    }

    func evacuate(_ a: EvacuateArgs) async {
        let started = Date()
        guard let instance = try? await store.instance(a.instanceUUID), instance.taskState == .rebuilding,
              let source = instance.host, let sourceNode = instance.node
        else { return }
        var m = MigrationRecord(instanceUUID: instance.uuid, kind: .evacuation, status: "accepted",
                                sourceCompute: source, sourceNode: sourceNode, oldFlavor: instance.flavor,
                                newFlavor: instance.flavor, oldVMState: instance.vmState, projectID: instance.projectID,
                                userID: a.userID)
        do { m = try await store.startMigration(m, expectedTaskState: .rebuilding) } catch {
            logger.warning("evacuate: \(error)", metadata: ["instance": "\(instance.uuid)"])
            return
        }
        let spec = await moveSpec(instance, from: source, host: a.host, force: a.force)
        let dest: Selection
        do { dest = try await selectDestination(spec, for: instance.uuid) } catch {
            let (message, details) = Self.describe(error)
            await failEvacuation(m, instance, message, details, started, a.requestID)
            return
        }
        m.destCompute = dest.host
        m.destNode = dest.nodename
        do {
            try await compute.prepare(server: dest.host).cast(ComputeManagerAPI.rebuildInstance, RebuildOperation(
                instance: instance, oldVMState: instance.vmState, imageProperties: spec.imageProperties,
                preserveEphemeral: false, requestID: a.requestID, migration: m, targetStopped: a.targetStopped))
        } catch {
            await failEvacuation(m, instance, "Compute host \(dest.host) could not be reached.", "\(error)", started,
                                 a.requestID)
            return
        }
        await event(instance.uuid, a.requestID, "conductor_rebuild_instance", started: started, error: nil)
    }

    /// Nova's conductor on a failed evacuation: vm_state error, migration `error`, the claims as before.
    func failEvacuation(_ m: MigrationRecord, _ instance: InstanceRecord, _ message: String, _ details: String,
                        _ started: Date, _ rid: String) async {
        logger.warning("evacuate failed: \(message)", metadata: ["instance": "\(instance.uuid)"])
        _ = try? await store.applyMigrationStep(MigrationStep(
            migrationUUID: m.uuid, expectedStatuses: ["accepted"], status: "error",
            instance: InstanceUpdate(vmState: .error, taskState: .some(nil), expectedTaskStates: [.rebuilding]),
            allocations: .restoreSource))
        try? await store.addFault(InstanceFault(instanceUUID: instance.uuid, code: 400, message: message,
                                                details: details, host: nil))
        await event(instance.uuid, rid, "conductor_rebuild_instance", started: started, error: message)
    }
}
