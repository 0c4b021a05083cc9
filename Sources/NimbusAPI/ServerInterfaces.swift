import Foundation
import Hummingbird
import NeutronClient
import NimbusJSON
import NimbusKernel
import NimbusStore

/// `os-interface` (Nova's `attach_interfaces.py`): list and show ask Neutron live for the server's ports.
/// Attaching needs a compute that can hot-plug (`supports_attach_interface`); no Nimbus driver declares it
/// yet, so attach answers Nova's AttachInterfaceNotSupported.
extension ComputeAPI {
    func addServerInterfaceRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.get("servers/:id/os-interface") { _, ctx in
            let s = try await server(ctx.parameters.get("id"), ctx)
            try Policy.reader(ctx, "os_compute_api:os-attach-interfaces:list")
            let ports = try await serverPorts(s.instance.uuid)
            let tags = try await interfaceTags(s.instance.uuid)
            return try json(.ok, ["interfaceAttachments": .array(ports.map { Self.attachment($0, tags, ctx) })])
        }
        g.get("servers/:id/os-interface/:port") { _, ctx in
            let s = try await server(ctx.parameters.get("id"), ctx)
            try Policy.reader(ctx, "os_compute_api:os-attach-interfaces:show")
            let portID = ctx.parameters.get("port") ?? ""
            guard let p = try await serverPorts(s.instance.uuid).first(where: { $0["id"]?.string == portID }) else {
                throw NovaError.notFound("Port \(portID) is not attached")
            }
            return try json(.ok, ["interfaceAttachment": Self.attachment(p, try await interfaceTags(s.instance.uuid), ctx)])
        }
        g.post("servers/:id/os-interface") { _, ctx -> Response in
            let s = try await server(ctx.parameters.get("id"), ctx, write: "os_compute_api:os-attach-interfaces:create")
            throw NovaError.badRequest("Attaching interfaces is not supported for instance "
                                       + "\(s.instance.uuid.uuidString.lowercased()).")
        }
    }

    /// `GET /v2.0/ports?device_id=<uuid>` with the service token; no networking service means no ports.
    func serverPorts(_ uuid: UUID) async throws -> [JSON] {
        guard let neutron else { return [] }
        return try await call { try await neutron.send("GET", "/ports?device_id=\(uuid.uuidString.lowercased())") }["ports"]?
            .array ?? []
    }

    func interfaceTags(_ uuid: UUID) async throws -> [String: String] {
        let vifs = try await store.networkInfo([uuid])[uuid] ?? []
        return Dictionary(vifs.compactMap { v in v.tag.map { (v.portID, $0) } }, uniquingKeysWith: { a, _ in a })
    }

    static func attachment(_ p: JSON, _ tags: [String: String], _ ctx: NimbusRequestContext) -> JSON {
        var o: [String: JSON] = [
            "port_state": p["status"] ?? .null, "port_id": p["id"] ?? .null, "net_id": p["network_id"] ?? .null,
            "mac_addr": p["mac_address"] ?? .null,
            "fixed_ips": .array((p["fixed_ips"]?.array ?? []).map { ["subnet_id": $0["subnet_id"] ?? .null,
                                                                     "ip_address": $0["ip_address"] ?? .null] }),
        ]
        if ctx.at(70) { o["tag"] = .optional(p["id"]?.string.flatMap { tags[$0] }) }
        return .object(o)
    }
}
