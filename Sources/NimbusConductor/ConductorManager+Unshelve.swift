import ComputeRPC
import ConductorRPC
import Foundation
import Logging
import NimbusKernel
import NimbusRPC
import NimbusStore
import SchedulerRPC

/// Nova's `ComputeTaskManager.unshelve_instance`: a `shelved` server is powered on where it is (task
/// `powering-on`, `start_instance`) and its snapshot deleted; a `shelved_offloaded` one is scheduled anew (a new
/// claim, with the 2.77 zone and 2.91 host) and `unshelve_instance` is cast to the chosen compute, which spawns
/// it from the snapshot. NoValidHost leaves it `shelved_offloaded` with no task state and a fault, as Nova's.
extension ConductorManager {
    func serveShelve(_ task: inout RPCEndpoint, _ db: inout RPCEndpoint) {
        task.on(ComputeTaskAPI.unshelveInstance) { a in
            await self.unshelve(a)
            return Empty()
        }
        db.on(ConductorAPI.shelveOffloadFinish) { a in
            do { return try await store.finishShelveOffload(a.uuid) } catch let e as StoreError {
                switch e {
                case .notFound: throw RemoteError(type: ConductorAPI.instanceNotFound, message: e.description)
                default: throw RemoteError(type: ConductorAPI.unexpectedTaskState, message: e.description)
                }
            }
        }
    }

    func unshelve(_ a: UnshelveArgs) async {
        let started = Date()
        guard let instance = try? await store.instance(a.instanceUUID), instance.taskState == .unshelving else { return }
        let shelve = try? await store.shelve(instance.uuid)
        if instance.vmState == .shelved, let host = instance.host {
            do {
                let on = try await store.updateInstance(instance.uuid, InstanceUpdate(
                    taskState: .some(.poweringOn), expectedTaskStates: [.unshelving]))
                try await compute.prepare(server: host).cast(ComputeManagerAPI.startInstance,
                                                             InstanceOperation(instance: on, requestID: a.requestID))
                // The guest is still on its host: the snapshot is not needed (Nova's start_instance deletes it).
                if let image = shelve?.imageID { try? await deleteImage(image) }
                await event(instance.uuid, a.requestID, "conductor_unshelve_instance", started: started, error: nil)
            } catch {
                await failUnshelve(instance, "Compute host \(host) could not be reached.", "\(error)", started, a.requestID)
            }
            return
        }
        guard instance.vmState == .shelvedOffloaded else { return }
        var spec = (try? await store.requestSpec(instance.uuid)) ?? RequestSpec(flavor: instance.flavor)
        spec.flavor = instance.flavor
        spec.numInstances = 1
        spec.projectID = instance.projectID
        spec.userID = instance.userID
        if let az = a.availabilityZone { spec.availabilityZone = az }
        spec.requestedHost = a.host
        spec.ignoreHosts = []
        spec.forceHosts = nil
        spec.currentHost = nil
        spec.isRebuild = false
        let dest: Selection
        do {
            let selections = try await scheduler.call(
                SchedulerAPI.selectDestinations, SelectDestinationsArgs(spec: spec, instanceUUIDs: [instance.uuid]))
            guard let first = selections.first?.first else { throw NoValidHost(report: FilterReport()) }
            dest = first
        } catch {
            let (message, details) = Self.describe(error)
            await failUnshelve(instance, message, details, started, a.requestID)
            return
        }
        do {
            try await compute.prepare(server: dest.host).cast(ComputeManagerAPI.unshelveInstance, UnshelveOperation(
                instance: instance, imageID: shelve?.imageID, selection: dest, requestID: a.requestID))
        } catch {
            _ = try? await store.releaseAllocations(consumer: instance.uuid)
            await failUnshelve(instance, "Compute host \(dest.host) could not be reached.", "\(error)", started,
                               a.requestID)
            return
        }
        await event(instance.uuid, a.requestID, "conductor_unshelve_instance", started: started, error: nil)
    }

    /// The server stays shelved (or offloaded), with no task state and a fault.
    func failUnshelve(_ instance: InstanceRecord, _ message: String, _ details: String, _ started: Date,
                      _ rid: String) async {
        logger.warning("unshelve failed: \(message)", metadata: ["instance": "\(instance.uuid)"])
        _ = try? await store.updateInstance(instance.uuid, InstanceUpdate(taskState: .some(nil),
                                                                          expectedTaskStates: [.unshelving]))
        try? await store.addFault(InstanceFault(instanceUUID: instance.uuid, code: 400, message: message,
                                                details: details, host: nil))
        await event(instance.uuid, rid, "conductor_unshelve_instance", started: started, error: message)
    }
}
