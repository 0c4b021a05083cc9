import Foundation
import Logging
import NimbusKernel
import NimbusStore
import ServiceLifecycle

/// The conductor's recovery loop: once at start, then every `report_interval`, it heartbeats this conductor
/// process, settles builds whose driver died (see BuildRecovery) and makes claims agree with instances
/// (`reconcileAllocations`). Nothing is left in BUILD, or holding capacity, because a process was killed.
public struct OrphanedBuildSweeper: Service {
    let conductor: ConductorManager
    let timing: ServiceTiming
    let host: String

    public init(conductor: ConductorManager, timing: ServiceTiming, host: String) {
        self.conductor = conductor
        self.timing = timing
        self.host = host
    }

    public func run() async throws {
        // Cancellation (graceful shutdown) ends the loop quietly; it is not a failure of the service.
        try? await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                // The heartbeat has its own loop: a slow pass must not make this conductor look dead.
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: .seconds(timing.reportInterval))
                        do { try await conductor.store.registerConductor(conductor.incarnation, host: host) } catch {
                            conductor.logger.warning("conductor heartbeat failed: \(error)")
                        }
                    }
                }
                while !Task.isCancelled {
                    do { try await conductor.recoveryPass(host: host, timing: timing) } catch {
                        conductor.logger.warning("conductor recovery pass failed: \(error)")
                    }
                    try await Task.sleep(for: .seconds(timing.reportInterval))
                }
            }
        }
    }
}

extension ConductorManager {
    /// Registers this process as a build owner. Call before serving RPCs: a build taken by an unregistered
    /// conductor would look orphaned to the others.
    public func registerIncarnation(host: String) async throws {
        try await store.registerConductor(incarnation, host: host)
    }

    /// One pass of the recovery loop; returns how many builds it failed and what it reconciled.
    @discardableResult
    public func recoveryPass(host: String, timing: ServiceTiming) async throws -> (failed: Int, reconciled: AllocationAudit) {
        try await store.registerConductor(incarnation, host: host)  // the heartbeat (re-creates a pruned row)
        let stuck = try await sweepStuckBuilds(serviceDownTime: timing.serviceDownTime)
        let orphaned = try await sweepOrphanedBuilds(serviceDownTime: timing.serviceDownTime)
        try await sweepStalledDeletes(serviceDownTime: timing.serviceDownTime)
        try await sweepStalledMoves(serviceDownTime: timing.serviceDownTime)
        try await confirmOverdueResizes()
        try await sweepExpiredConsoleTokens()
        try await reclaimQueuedDeletes(serviceDownTime: timing.serviceDownTime)
        let audit = try await store.reconcileAllocations()
        if !audit.isClean {
            logger.warning("claims reconciled with instances", metadata: [
                "findings": "\(audit.findings.map { "\($0.kind.rawValue) \($0.consumer.uuidString.lowercased()) on \($0.node)" })",
                "usage_drift": "\(audit.drift.map(\.node))"])
        }
        return (stuck + orphaned, audit)
    }

    /// Builds already on a compute whose service went down (the cast died with the process): ERROR with a fault.
    /// They reached a host, so they keep their claim until deleted, as Nova's build timeout leaves them.
    @discardableResult
    public func sweepOrphanedBuilds(serviceDownTime: Double) async throws -> Int {
        let building = try await store.instances(InstanceQuery(vmState: .building)).filter { $0.host != nil }
        guard !building.isEmpty else { return 0 }
        let services = Dictionary(try await store.services(binary: "nova-compute").map { ($0.host, $0) },
                                  uniquingKeysWith: { a, _ in a })
        var failed = 0
        for i in building {
            guard let host = i.host, !(services[host]?.isUp(serviceDownTime: serviceDownTime) ?? false) else { continue }
            let fault = InstanceFault(
                instanceUUID: i.uuid, code: 500, message: "Compute host \(host) went down during the build.",
                details: "The compute service on \(host) stopped reporting for over \(Int(serviceDownTime)) s.",
                host: host)
            if try await store.failInstance(fault, when: .buildingOn(host: host)) { failed += 1 }
        }
        return failed
    }
}
