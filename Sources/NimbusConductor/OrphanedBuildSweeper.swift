import Foundation
import Logging
import NimbusKernel
import NimbusStore
import ServiceLifecycle

/// Builds must never stay in BUILD because their compute died after the conductor handed them over
/// (the cast is lost with the process). Every `report_interval` this finds building instances whose
/// host's compute service is down and fails them with a fault, freeing their claims.
public struct OrphanedBuildSweeper: Service {
    let conductor: ConductorManager
    let timing: ServiceTiming

    public init(conductor: ConductorManager, timing: ServiceTiming) {
        self.conductor = conductor
        self.timing = timing
    }

    public func run() async throws {
        // Cancellation (graceful shutdown) ends the loop quietly; it is not a failure of the service.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(timing.reportInterval))
                do { try await conductor.sweepOrphanedBuilds(serviceDownTime: timing.serviceDownTime) } catch {
                    conductor.logger.warning("orphaned-build sweep failed: \(error)")
                }
            }
        }
    }
}

extension ConductorManager {
    /// Returns how many instances were failed.
    @discardableResult
    public func sweepOrphanedBuilds(serviceDownTime: Double) async throws -> Int {
        let building = try await store.instances(InstanceQuery(vmState: .building)).filter { $0.host != nil }
        guard !building.isEmpty else { return 0 }
        let services = Dictionary(try await store.services(binary: "nova-compute").map { ($0.host, $0) },
                                  uniquingKeysWith: { a, _ in a })
        var failed = 0
        for i in building {
            guard let host = i.host, !(services[host]?.isUp(serviceDownTime: serviceDownTime) ?? false) else { continue }
            await fail(i.uuid, code: 500, message: "Compute host \(host) went down during the build.",
                       details: "The compute service on \(host) stopped reporting for over \(Int(serviceDownTime)) s.",
                       host: host)
            failed += 1
        }
        return failed
    }
}
