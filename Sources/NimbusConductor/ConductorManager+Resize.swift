import ComputeRPC
import ConductorRPC
import Foundation
import Logging
import NimbusKernel
import NimbusRPC
import NimbusStore
import SchedulerRPC

/// Resize and cold migrate in the conductor (Nova's `MigrationTask`): the migration record, the source
/// allocation moved to the migration's consumer, a scheduling pass with the new flavor (which claims it on the
/// destination for the instance), and the cast of `prep_resize`; plus the database step computes write, the
/// auto-confirm of `resize_confirm_window` and the settling of moves whose daemons died.
extension ConductorManager {
    func serveMoves(_ task: inout RPCEndpoint, _ db: inout RPCEndpoint) {
        task.on(ComputeTaskAPI.migrateServer) { a in
            await self.migrateServer(a)
            return Empty()
        }
        db.on(ConductorAPI.migrationStep) { s in
            do {
                let (m, i) = try await store.applyMigrationStep(s)
                return ConductorAPI.MigrationStepResult(migration: m, instance: i)
            } catch let e as StoreError {
                switch e {
                case .notFound: throw RemoteError(type: ConductorAPI.instanceNotFound, message: e.description)
                default: throw RemoteError(type: ConductorAPI.unexpectedTaskState, message: e.description)
                }
            }
        }
    }

    func migrateServer(_ a: MigrateServerArgs) async {
        let started = Date()
        guard let instance = try? await store.instance(a.instanceUUID), instance.taskState == .resizePrep,
              let source = instance.host, let sourceNode = instance.node
        else { return }
        var m = MigrationRecord(instanceUUID: instance.uuid, kind: a.kind, status: "pre-migrating",
                                sourceCompute: source, sourceNode: sourceNode, oldFlavor: instance.flavor,
                                newFlavor: a.newFlavor, oldVMState: instance.vmState, projectID: instance.projectID,
                                userID: a.userID)
        do {
            m = try await store.startMigration(m, expectedTaskState: .resizePrep)
        } catch {
            logger.warning("migrate_server: \(error)", metadata: ["instance": "\(instance.uuid)"])
            return
        }
        var spec = (try? await store.requestSpec(instance.uuid)) ?? RequestSpec(flavor: a.newFlavor)
        spec.flavor = a.newFlavor
        spec.numInstances = 1
        spec.projectID = instance.projectID
        spec.userID = instance.userID
        spec.ignoreHosts = a.allowSameHost ? [] : [source]
        spec.requestedHost = a.requestedHost
        spec.forceHosts = nil
        spec.currentHost = source
        spec.isRebuild = false
        let dest: Selection
        do { dest = try await selectDestination(spec, for: instance.uuid) } catch {
            let (message, details) = Self.describe(error)
            await abandonMove(m, instance: instance, message: message, details: details, started: started, rid: a.requestID)
            return
        }
        m.destCompute = dest.host
        m.destNode = dest.nodename
        do {
            try await compute.prepare(server: dest.host).cast(
                ComputeManagerAPI.prepResize, MigrationOperation(instance: instance, migration: m, requestID: a.requestID))
        } catch {
            await abandonMove(m, instance: instance, message: "Compute host \(dest.host) could not be reached.",
                              details: "\(error)", started: started, rid: a.requestID)
            return
        }
        await event(instance.uuid, a.requestID, "conductor_migrate_server", started: started, error: nil)
    }

    /// The move never reached a compute: the migration is `error`, the instance gets its source allocation back,
    /// keeps its vm_state and loses the task state (Nova's `MigrationTask.rollback`), with a fault.
    func abandonMove(_ m: MigrationRecord, instance: InstanceRecord, message: String, details: String, started: Date,
                     rid: String) async {
        logger.warning("migrate_server failed: \(message)", metadata: ["instance": "\(instance.uuid)"])
        _ = try? await store.applyMigrationStep(MigrationStep(
            migrationUUID: m.uuid, expectedStatuses: ["pre-migrating"], status: "error",
            instance: InstanceUpdate(taskState: .some(nil), expectedTaskStates: [.resizePrep]),
            allocations: .restoreSource))
        try? await store.addFault(InstanceFault(instanceUUID: instance.uuid, code: 400, message: message,
                                                details: details, host: nil))
        await event(instance.uuid, rid, "conductor_migrate_server", started: started, error: message)
    }

    func event(_ uuid: UUID, _ rid: String, _ name: String, started: Date, error: String?) async {
        try? await store.recordEvent(uuid, requestID: rid, event: name, host: nil, start: started, finish: Date(),
                                     result: error == nil ? "Success" : "Error", traceback: error)
    }
}
