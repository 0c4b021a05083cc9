import ConductorRPC
import Foundation
import Logging
import NimbusKernel
import NimbusRPC

/// Nova's `_sync_power_states` and lifecycle-event handling: the database follows what the hypervisor says.
extension ComputeManager {
    /// One pass over this host's instances (periodic backstop for missed events).
    func syncPowerStates() async throws {
        let instances = try await conductor.db.call(ConductorAPI.instancesOnHost, ConductorAPI.HostArg(host))
        for i in instances where i.taskState == nil {
            let actual: PowerState
            do { actual = try await driver.instanceInfo(i).powerState } catch VirtDriverError.instanceNotFound {
                actual = .noState
            }
            try await applyPowerState(i, actual)
        }
    }

    /// A lifecycle event from the driver (libvirt's domain events).
    func handle(_ event: LifecycleEvent) async {
        guard let i = try? await conductor.db.call(ConductorAPI.instanceGet, ConductorAPI.UUIDArg(event.instanceUUID)),
              i.host == host, i.taskState == nil else { return }
        try? await applyPowerState(i, event.powerState)
    }

    /// Nova's rules: building/error/suspended/rescued/resized are left alone; an active guest that shut down
    /// or crashed becomes stopped; otherwise only the recorded power state changes.
    func applyPowerState(_ i: InstanceRecord, _ actual: PowerState) async throws {
        guard actual != i.powerState else { return }
        var update = InstanceUpdate(powerState: actual, expectedTaskStates: [nil])
        if i.vmState == .active && (actual == .shutdown || actual == .crashed || actual == .noState) {
            update.vmState = .stopped
        }
        if [.building, .error, .suspended, .rescued, .resized].contains(i.vmState) { return }
        logger.info("power state of \(i.uuid) is \(actual) (database had \(i.powerState))")
        _ = try await conductor.update(i.uuid, update)
    }
}
