import Foundation
import NimbusKernel

/// What was asked of a fake live migration while it copies.
enum LiveJob: Sendable { case copying, forceComplete, abort }

/// Live migration across the fake's simulated hosts: the source "copies" for `[fake] live_migration_ms` (or until
/// force_complete), an abort leaves the guest running here; the destination then holds the guest in its power state.
extension FakeDriver: LiveMigratableDriver {
    public func liveMigration(_ instance: InstanceRecord, destination: String) async throws {
        guard var g = guests[instance.uuid] else { throw VirtDriverError.instanceNotFound(instance.uuid) }
        guard g.state == .running || g.state == .paused else {
            throw VirtDriverError.invalidState("live migration needs a running or paused guest")
        }
        // An abort that came before the copy started (queued/preparing, 2.65) ends it at once.
        if liveJobs[instance.uuid] == .abort {
            liveJobs[instance.uuid] = nil
            throw LiveMigrationAborted()
        }
        liveJobs[instance.uuid] = .copying
        defer { liveJobs[instance.uuid] = nil }
        let deadline = ContinuousClock.now.advanced(by: liveMigrationTime)
        // Polled in small steps: the job is driven by the actor's state, which force_complete and abort change.
        while ContinuousClock.now < deadline {
            switch liveJobs[instance.uuid] {
            case .abort?: throw LiveMigrationAborted()
            case .forceComplete?:
                g.console.append("live migration forced to complete (guest paused for the last copy)")
                guests[instance.uuid] = g
                return
            default: try await Task.sleep(for: .milliseconds(10))
            }
        }
        if liveJobs[instance.uuid] == .abort { throw LiveMigrationAborted() }
        g.console.append("live migration to \(destination) converged")
        guests[instance.uuid] = g
    }

    public func postLiveMigrationAtSource(_ instance: InstanceRecord) async throws { guests[instance.uuid] = nil }

    public func postLiveMigrationAtDestination(_ instance: InstanceRecord, powerState: PowerState) async throws {
        guests[instance.uuid] = Guest(instance: instance, state: powerState == .paused ? .paused : .running,
                                      console: ["Nimbus fake hypervisor \(host)", "\(instance.name) arrived by live migration"])
    }

    public func liveMigrationForceComplete(_ instance: InstanceRecord) async throws {
        guard liveJobs[instance.uuid] == .copying else {
            throw VirtDriverError.invalidState("no live migration of \(instance.uuid.lowercasedString) is running here")
        }
        liveJobs[instance.uuid] = .forceComplete
    }

    public func liveMigrationAbort(_ instance: InstanceRecord) async throws { liveJobs[instance.uuid] = .abort }
}
