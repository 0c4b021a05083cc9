import Foundation
import Logging
import NimbusKernel
import NimbusStore
import ServiceLifecycle

/// Registers a controller service (`nova-scheduler`, `nova-conductor`) and heartbeats it directly in the
/// store every `report_interval`: controller services may open the database, computes may not.
struct StoreHeartbeat: Service {
    let store: NimbusStore
    let host: String
    let binary: String
    let topic: String
    let interval: Double
    let logger: Logger

    func run() async throws {
        let service = try await store.registerService(host: host, binary: binary, topic: topic)
        try await store.heartbeat(service: service.uuid)
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(interval))
                do { try await store.heartbeat(service: service.uuid) } catch {
                    logger.warning("heartbeat of \(binary) failed: \(error)")
                }
            }
        }
        if !Task.isCancelled { try? await store.markServiceStopped(service.uuid) }
    }
}
