import Foundation
import Hummingbird
import NimbusKernel
import NimbusStore

extension ComputeAPI {
    func addServiceRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.get("os-services") { req, _ in
            let q = req.uri.queryParameters
            var list = try await store.services(binary: q["binary"].map(String.init), host: q["host"].map(String.init))
            list.sort { ($0.host, $0.binary) < ($1.host, $1.binary) }
            return try json(.ok, ["services": .array(list.map(serviceView))])
        }
    }

    /// A service at 2.1 (integer id; `forced_down` only from 2.11).
    func serviceView(_ s: ServiceRecord) -> JSON {
        ["id": .int(s.id), "binary": .string(s.binary), "host": .string(s.host),
         "zone": .string(s.binary == "nova-compute" ? defaultAZ : "internal"),
         "status": s.disabled ? "disabled" : "enabled", "state": isUp(s) ? "up" : "down",
         "updated_at": NovaTime.micro(s.updatedAt ?? s.lastSeenUp), "disabled_reason": .optional(s.disabledReason)]
    }
}
