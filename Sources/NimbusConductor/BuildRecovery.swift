import Foundation
import Logging
import NimbusKernel
import NimbusStore

/// Builds not on a host yet (`scheduling`, no host) whose driver died. Nova leaves them in BUILD until
/// `instance_build_timeout` (off by default); here every such build has an owner in the store
/// (`instances.build_owner`) and is settled once that owner is known to be gone:
///
/// - `conductor:<incarnation>` (a conductor is scheduling it or casting it): failed once that incarnation has
///   not heartbeated for `service_down_time`. A restarted conductor is a new incarnation, so the builds of the
///   one that was killed are recognised as orphaned even though the host and service row are the same.
/// - `compute:<host>` (cast to a compute that has not started it: queued behind `max_concurrent_builds`):
///   failed when that compute is down, or at once when it registers again (its queue died with the process).
/// - nobody (a cast to the conductor topic in flight: the API's, or a compute's reschedule hand-back):
///   resumed (scheduled afresh) by the first conductor that finds it untaken for `service_down_time`.
///
/// Why this is safe with several conductors sharing the store: every change of a pending build goes through a
/// compare-and-set on (owner, still pending) — `transferBuilds` and `failInstance(when: .pending(owner:))` —
/// so exactly one of a late message, a resume and a failure wins, and the loser stops. Failing (rather than
/// re-driving) builds of a dead conductor or compute is deliberate: it may already have claimed capacity or
/// cast the build, and a second driver could build the instance twice. A conductor that was only stalled
/// finds, on waking, that its builds moved on: its hand-over to the compute fails and it releases the claim.
extension ConductorManager {
    /// Returns how many builds were failed (resumed ones are not counted).
    @discardableResult
    public func sweepStuckBuilds(serviceDownTime: Double, now: Date = Date()) async throws -> Int {
        let pending = try await store.pendingBuilds()
        guard !pending.isEmpty else { return 0 }
        let live = Set(try await store.liveConductors(downTime: serviceDownTime, now: now)
            .map { NimbusStore.conductorOwner($0.id) })
        let computes = Dictionary(try await store.services(binary: "nova-compute").map { ($0.host, $0) },
                                  uniquingKeysWith: { a, _ in a })
        let down = Int(serviceDownTime)
        var failed = 0
        var lost: [UUID] = []
        for b in pending {
            let message: String, details: String, host: String?
            switch b.owner {
            case nil:
                if b.since < now.addingTimeInterval(-serviceDownTime) { lost.append(b.uuid) }
                continue
            case let o? where o.hasPrefix("conductor:"):
                guard !live.contains(o) else { continue }
                message = "The conductor scheduling this build stopped."
                details = "Conductor \(o.dropFirst("conductor:".count)) missed its heartbeats for over \(down) s."
                host = nil
            case let o? where o.hasPrefix("compute:"):
                let h = String(o.dropFirst("compute:".count))
                guard !(computes[h]?.isUp(serviceDownTime: serviceDownTime) ?? false) else { continue }
                message = "Compute host \(h) went down before starting the build."
                details = "The compute service on \(h) stopped reporting for over \(down) s."
                host = h
            default:
                continue
            }
            let fault = InstanceFault(instanceUUID: b.uuid, code: 500, message: message, details: details, host: host)
            if try await store.failInstance(fault, when: .pending(owner: b.owner)) {
                logger.warning("orphaned build failed: \(message)", metadata: ["instance": "\(b.uuid)"])
                failed += 1
            }
        }
        // Off the recovery loop: scheduling may take up to rpc_response_timeout.
        if !lost.isEmpty { Task { await self.resume(lost) } }
        return failed
    }

    /// Schedules lost builds afresh from their stored request specs. `scheduleAndBuild` takes each one only if
    /// still untaken, so the late original cast (or another conductor's resume) and this one cannot both run.
    func resume(_ uuids: [UUID]) async {
        await withDiscardingTaskGroup { group in
            for uuid in uuids {
                group.addTask {
                    guard let spec = try? await self.store.requestSpec(uuid) else { return }
                    self.logger.warning("resuming a build no conductor took", metadata: ["instance": "\(uuid)"])
                    try? await self.scheduleAndBuild(spec, instanceUUIDs: [uuid])
                }
            }
        }
    }

    /// A compute registered again: builds cast to it before that and not started were lost with its previous
    /// process (the all-in-one or the compute was killed). They go to ERROR now rather than after a timeout.
    func failBuildsLost(restartedCompute host: String, before registeredAt: Date) async {
        let owner = NimbusStore.computeOwner(host)
        do {
            for b in try await store.pendingBuilds() where b.owner == owner && b.since < registeredAt {
                let fault = InstanceFault(instanceUUID: b.uuid, code: 500,
                                          message: "Compute host \(host) restarted before starting the build.",
                                          details: "The build was queued on \(host) when its process stopped.",
                                          host: host)
                if try await store.failInstance(fault, when: .pending(owner: owner)) {
                    logger.warning("build lost by a restarted compute failed", metadata: ["instance": "\(b.uuid)"])
                }
            }
        } catch {
            logger.warning("could not settle builds lost by \(host): \(error)")
        }
    }
}
