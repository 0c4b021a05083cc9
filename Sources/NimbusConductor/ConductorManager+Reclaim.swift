import ComputeRPC
import Foundation
import Logging
import NeutronClient
import NimbusJSON
import NimbusKernel
import NimbusRPC
import NimbusStore

/// Nova's `_reclaim_queued_deletes`: soft-deleted servers older than `reclaim_instance_interval` are deleted for
/// good. Nova runs it on each compute; here the conductor's recovery loop does, because the parts of a delete
/// the API does for a hard delete (ports, server-group membership) need the store and the networking client,
/// which computes do not have. The guest is destroyed by the compute's `terminate_instance` as for any delete.
extension ConductorManager {
    @discardableResult
    public func reclaimQueuedDeletes(serviceDownTime: Double, now: Date = Date()) async throws -> Int {
        guard reclaimInstanceInterval > 0 else { return 0 }
        let due = try await store.reclaimable(before: now.addingTimeInterval(-Double(reclaimInstanceInterval)))
        guard !due.isEmpty else { return 0 }
        let services = Dictionary(try await store.services(binary: "nova-compute").map { ($0.host, $0) },
                                  uniquingKeysWith: { a, _ in a })
        var reclaimed = 0
        for i in due {
            guard let taken = try await store.beginReclaim(i.uuid) else { continue }
            logger.info("reclaiming a soft-deleted server", metadata: ["instance": "\(i.uuid)"])
            try? await store.removeMember(i.uuid)
            await releasePorts(i.uuid)
            reclaimed += 1
            guard let host = taken.host, services[host]?.isUp(serviceDownTime: serviceDownTime) == true else {
                try await store.markDeleted(i.uuid)
                continue
            }
            do {
                try await compute.prepare(server: host).cast(ComputeManagerAPI.terminateInstance,
                                                             InstanceOperation(instance: taken))
            } catch {
                try await store.markDeleted(i.uuid)  // a stalled one is finished by sweepStalledDeletes otherwise
            }
        }
        return reclaimed
    }

    /// The API's port release on delete, with the conductor's networking client: ports Nova created are deleted,
    /// ports the user passed are unbound and kept.
    func releasePorts(_ uuid: UUID) async {
        guard let neutron, let vifs = (try? await store.networkInfo([uuid]))?[uuid] else { return }
        for v in vifs where !v.portID.isEmpty {
            do {
                if v.preserveOnDelete {
                    _ = try await neutron.send("PUT", "/ports/\(v.portID)", body: ["port": [
                        "device_id": "", "device_owner": "", "binding:host_id": .null]])
                } else {
                    _ = try await neutron.send("DELETE", "/ports/\(v.portID)")
                }
            } catch {
                logger.warning("cannot release port \(v.portID) of \(uuid): \(error)")
            }
        }
    }
}
