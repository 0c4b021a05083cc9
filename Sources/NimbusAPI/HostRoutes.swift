import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusStore

/// os-hosts (admin), reachable only up to 2.42 (404 from 2.43 on, as in Nova).
extension ComputeAPI {
    func addHostRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.get("os-hosts") { req, ctx in
            try Self.until(ctx, 42)
            try Policy.admin(ctx, "os_compute_api:os-hosts:list")
            let zones = try await hostZones()
            let zoneFilter = Self.query(req)["zone"]?.last
            let list: [JSON] = try await store.services().sorted { ($0.host, $0.binary) < ($1.host, $1.binary) }.compactMap { s in
                let zone = s.binary == "nova-compute" ? zones[s.host] ?? defaultAZ : internalAZ
                if let zoneFilter, zoneFilter != zone { return nil }
                return ["host_name": .string(s.host), "service": .string(s.topic), "zone": .string(zone)]
            }
            return try json(.ok, ["hosts": .array(list)])
        }
        g.get("os-hosts/:host") { _, ctx in
            try Self.until(ctx, 42)
            try Policy.admin(ctx, "os_compute_api:os-hosts:show")
            let host = ctx.parameters.get("host") ?? ""
            let nodes = try await store.computeNodes().filter { $0.host == host }
            guard !nodes.isEmpty else { throw NovaError.notFound("Compute host \(host) could not be found.") }
            var q = ServerListQuery()
            q.host = host
            let servers = try await store.apiServers(q).map(\.instance)
            func resource(_ project: String, cpu: Int, mem: Int, disk: Int) -> JSON {
                ["resource": ["host": .string(host), "project": .string(project), "cpu": .int(cpu),
                              "memory_mb": .int(mem), "disk_gb": .int(disk)]]
            }
            let total = nodes.reduce((0, 0, 0)) { ($0.0 + $1.resources.vcpus, $0.1 + $1.resources.memoryMB, $0.2 + $1.resources.localGB) }
            let used = servers.reduce((0, 0, 0)) { ($0.0 + $1.flavor.vcpus, $0.1 + $1.flavor.memoryMB, $0.2 + $1.flavor.rootGB + $1.flavor.ephemeralGB) }
            // Nova's (used_now) is the compute node's usage (reserved host memory and disk included, as in
            // the hypervisor's memory_mb_used); (used_max) sums the flavors of the host's instances.
            let now = nodes.reduce((0, 0, 0)) {
                ($0.0 + $1.used.vcpus, $0.1 + $1.used.memoryMB + $1.reserved.memoryMB, $0.2 + $1.used.diskGB + $1.reserved.diskGB)
            }
            var rows = [resource("(total)", cpu: total.0, mem: total.1, disk: total.2),
                        resource("(used_now)", cpu: now.0, mem: now.1, disk: now.2),
                        resource("(used_max)", cpu: used.0, mem: used.1, disk: used.2)]
            for (p, list) in Dictionary(grouping: servers, by: \.projectID).sorted(by: { $0.key < $1.key }) {
                let u = list.reduce((0, 0, 0)) { ($0.0 + $1.flavor.vcpus, $0.1 + $1.flavor.memoryMB, $0.2 + $1.flavor.rootGB + $1.flavor.ephemeralGB) }
                rows.append(resource(p, cpu: u.0, mem: u.1, disk: u.2))
            }
            return try json(.ok, ["host": .array(rows)])
        }
        g.put("os-hosts/:host") { req, ctx in
            try Self.until(ctx, 42)
            try Policy.admin(ctx, "os_compute_api:os-hosts:update")
            let host = ctx.parameters.get("host") ?? ""
            let body = try await Self.object(req)
            try body.only(["status", "maintenance_mode"])
            guard body.has("status") || body.has("maintenance_mode") else {
                throw NovaError.badRequest("Invalid input for field/attribute body. Value: {}. {} does not have enough properties")
            }
            guard let s = try await store.services(binary: "nova-compute", host: host).first else {
                throw NovaError.notFound("Compute host \(host) could not be found.")
            }
            if body.has("maintenance_mode") {
                throw NovaError(.notImplemented, "Virt driver does not implement host maintenance mode.")
            }
            let status = try body.string("status")!
            guard status == "enable" || status == "disable" else {
                throw Fields.invalid("status", .string(status), "'\(status)' is not one of ['enable', 'disable']")
            }
            _ = try await store.updateService(s.uuid, disabled: status == "disable", disabledReason: .some(nil))
            return try json(.ok, ["host": .string(host), "status": .string(status + "d")])
        }
        for action in ["reboot", "shutdown", "startup"] {
            g.get("os-hosts/:host/\(action)") { _, ctx -> Response in
                try Self.until(ctx, 42)
                try Policy.admin(ctx, "os_compute_api:os-hosts:\(action)")
                let host = ctx.parameters.get("host") ?? ""
                guard try await !store.services(binary: "nova-compute", host: host).isEmpty else {
                    throw NovaError.notFound("Compute host \(host) could not be found.")
                }
                throw NovaError(.notImplemented, "Virt driver does not implement host power management.")
            }
        }
    }

    /// A route that exists only up to 2.`minor` answers 404 above it.
    static func until(_ ctx: NimbusRequestContext, _ minor: Int) throws {
        guard ctx.microversion <= APIVersion(2, minor) else { throw NovaError.notFound("The resource could not be found.") }
    }
}
