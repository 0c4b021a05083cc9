import Foundation
import Logging
import NeutronClient
import NimbusJSON
import NimbusKernel
import NimbusStore

extension ConductorManager {
    /// Nova's `_update_ports_for_instance` with the admin token: each port of the build gets
    /// `device_owner compute:<az>` and `binding:host_id` = the chosen host; the info cache is refreshed from
    /// the answers (a port the networking service reports ACTIVE is marked active). A failure is logged and the
    /// build goes on, as the ports exist and the addresses stand.
    func bindPorts(_ uuid: UUID, host: String, availabilityZone: String?) async {
        guard let neutron, var vifs = (try? await store.networkInfo([uuid]))?[uuid], !vifs.isEmpty else { return }
        for (n, v) in vifs.enumerated() {
            do {
                let answer = try await neutron.send("PUT", "/ports/\(v.portID)", body: ["port": [
                    "device_id": .string(uuid.uuidString.lowercased()), "device_owner": .string("compute:\(availabilityZone ?? "nova")"),
                    "binding:host_id": .string(host)]])
                vifs[n].active = answer["port"]?["status"]?.string == "ACTIVE"
            } catch {
                logger.warning("cannot bind port \(v.portID) to \(host): \(error)", metadata: ["instance": "\(uuid)"])
            }
        }
        try? await store.saveNetworkInfo(uuid, vifs)
    }
}
