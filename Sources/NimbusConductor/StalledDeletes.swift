import Foundation
import ComputeRPC
import Logging
import NimbusKernel
import NimbusRPC
import NimbusStore

extension ConductorManager {
    /// Deletes that stopped half-way: the compute's `instance_destroy` call was lost with a killed conductor, or
    /// the `terminate_instance` cast with a killed API or compute. Nova leaves these in `deleting` (the user
    /// deletes again). After `service_down_time` plus `rpc_response_timeout` without progress (the compute's
    /// call has surely given up), the delete is sent again to a live compute — destroying a guest that is gone
    /// is a no-op for every driver — or, when the compute is down, finished here as the API's local delete
    /// does (the compute reaps a leftover guest of a deleted instance when it starts). Returns how many.
    @discardableResult
    public func sweepStalledDeletes(serviceDownTime: Double, now: Date = Date()) async throws -> Int {
        let stalled = try await store.stalledDeletes(before: now.addingTimeInterval(-(serviceDownTime + rpcTimeout)))
        guard !stalled.isEmpty else { return 0 }
        let services = Dictionary(try await store.services(binary: "nova-compute").map { ($0.host, $0) },
                                  uniquingKeysWith: { a, _ in a })
        for i in stalled {
            logger.warning("finishing a stalled delete", metadata: ["instance": "\(i.uuid)", "host": "\(i.host ?? "-")"])
            guard let host = i.host, services[host]?.isUp(serviceDownTime: serviceDownTime) == true else {
                try await store.markDeleted(i.uuid)
                continue
            }
            // Rewriting the task state stamps the row, so the next pass waits again before re-sending.
            guard let touched = try? await store.updateInstance(i.uuid, InstanceUpdate(
                taskState: .some(.deleting), expectedTaskStates: [.deleting])) else { continue }
            do {
                try await compute.prepare(server: host).cast(ComputeManagerAPI.terminateInstance,
                                                             InstanceOperation(instance: touched))
            } catch {
                try await store.markDeleted(i.uuid)
            }
        }
        return stalled.count
    }
}
