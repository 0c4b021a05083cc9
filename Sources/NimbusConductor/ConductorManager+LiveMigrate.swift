import ComputeRPC
import ConductorRPC
import Foundation
import Logging
import NimbusKernel
import NimbusRPC
import NimbusStore
import SchedulerRPC

/// Live migration in the conductor (Nova's `_live_migrate` and `LiveMigrationTask`): the `live-migration`
/// migration `accepted` (its consumer takes the source claim), the guest must run or be paused, a scheduling
/// pass that ignores the source (a forced host is claimed directly) and the cast of `live_migration` to the
/// source. A pre-check failure keeps the vm_state, clears the task and leaves the migration `error`, as Nova's.
extension ConductorManager {
    func serveLiveMigrate(_ task: inout RPCEndpoint, _ db: inout RPCEndpoint) {
        task.on(ComputeTaskAPI.liveMigrateInstance) { a in
            await self.liveMigrate(a)
            return Empty()
        }
        task.on(ComputeTaskAPI.migrateServerLive) { a in LiveMigratePrecheck(error: await self.liveMigrate(a)) }
        db.on(ConductorAPI.computeServices) { _ in try await store.services(binary: "nova-compute") }
    }

    /// Returns the pre-check failure, if any (nil also when the server is no longer migrating).
    @discardableResult
    func liveMigrate(_ a: LiveMigrateArgs) async -> String? {
        let started = Date()
        guard let instance = try? await store.instance(a.instanceUUID), instance.taskState == .migrating,
              let source = instance.host, let sourceNode = instance.node
        else { return nil }
        var m = MigrationRecord(instanceUUID: instance.uuid, kind: .liveMigration, status: "accepted",
                                sourceCompute: source, sourceNode: sourceNode, oldFlavor: instance.flavor,
                                newFlavor: instance.flavor, oldVMState: instance.vmState, projectID: instance.projectID,
                                userID: a.userID)
        m.destCompute = a.host
        do { m = try await store.startMigration(m, expectedTaskState: .migrating) } catch {
            logger.warning("live migrate: \(error)", metadata: ["instance": "\(instance.uuid)"])
            return nil
        }
        guard instance.powerState == .running || instance.powerState == .paused else {
            let message = "Instance \(instance.uuid.lowercasedString) in power state \(instance.powerState) cannot be "
                + "live migrated: it must be running or paused."
            await failLiveMigration(m, instance, message, "", started, a.requestID)
            return message
        }
        let spec = await moveSpec(instance, from: source, host: a.host, force: a.force)
        let dest: Selection
        do { dest = try await selectDestination(spec, for: instance.uuid) } catch {
            let (message, details) = Self.describe(error)
            await failLiveMigration(m, instance, message, details, started, a.requestID)
            return message
        }
        do {
            let (mig, inst) = try await store.applyMigrationStep(MigrationStep(
                migrationUUID: m.uuid, expectedStatuses: ["accepted"], status: "accepted", destCompute: dest.host,
                destNode: dest.nodename, instance: InstanceUpdate(expectedTaskStates: [.migrating])))
            try await compute.prepare(server: source).cast(ComputeManagerAPI.liveMigration, MigrationOperation(
                instance: inst, migration: mig, requestID: a.requestID))
        } catch {
            let message = "Compute host \(source) could not be reached."
            await failLiveMigration(m, instance, message, "\(error)", started, a.requestID)
            return message
        }
        await event(instance.uuid, a.requestID, "conductor_live_migrate_instance", started: started, error: nil)
        return nil
    }

    /// A pre-check failure: the vm_state kept, task None, migration `error`, the claims as before, a fault.
    func failLiveMigration(_ m: MigrationRecord, _ instance: InstanceRecord, _ message: String, _ details: String,
                           _ started: Date, _ rid: String) async {
        logger.warning("live migration failed: \(message)", metadata: ["instance": "\(instance.uuid)"])
        _ = try? await store.applyMigrationStep(MigrationStep(
            migrationUUID: m.uuid, expectedStatuses: ["accepted"], status: "error",
            instance: InstanceUpdate(taskState: .some(nil), expectedTaskStates: [.migrating]),
            allocations: .restoreSource))
        try? await store.addFault(InstanceFault(instanceUUID: instance.uuid, code: 400, message: message,
                                                details: details, host: nil))
        await event(instance.uuid, rid, "conductor_live_migrate_instance", started: started, error: message)
    }
}
