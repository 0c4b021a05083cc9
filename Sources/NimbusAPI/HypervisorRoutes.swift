import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusStore

/// os-hypervisors (admin): integer ids before 2.53, node UUIDs after; cpu_info an object from 2.28; usage
/// fields and `/statistics` / `/uptime` gone at 2.88; `/search` and `/servers` only up to 2.52.
extension ComputeAPI {
    func addHypervisorRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.get("os-hypervisors") { req, ctx in try await hypervisorList(req, ctx, detail: false) }
        g.get("os-hypervisors/detail") { req, ctx in try await hypervisorList(req, ctx, detail: true) }
        g.get("os-hypervisors/statistics") { _, ctx in
            try Policy.admin(ctx, "os_compute_api:os-hypervisors:statistics")
            guard !ctx.at(88) else { throw NovaError.notFound("The resource could not be found.") }
            let views = try await hypervisorViews(ctx, detail: true, servers: false, legacyFields: true)
            func sum(_ k: String) -> JSON { .int(views.reduce(0) { $0 + ($1[k]?.int ?? 0) }) }
            var o: [String: JSON] = ["count": .int(views.count)]
            for k in Self.usageKeys where k != "cpu_info" { o[k] = sum(k) }
            return try json(.ok, ["hypervisor_statistics": .object(o)])
        }
        g.get("os-hypervisors/:id") { req, ctx in
            try Policy.admin(ctx, "os_compute_api:os-hypervisors:show")
            let id = ctx.parameters.get("id") ?? ""
            try Self.validateHypervisorID(id, ctx)
            let withServers = ctx.at(53) && Self.query(req)["with_servers"]?.last.map { ["true", "1", "yes"].contains($0.lowercased()) } == true
            guard let body = try await hypervisorViews(ctx, detail: true, servers: withServers).first(where: { Self.idString($0) == id })
            else { throw NovaError.notFound("Hypervisor with ID '\(id)' could not be found.") }
            return try json(.ok, ["hypervisor": body])
        }
        g.get("os-hypervisors/:id/uptime") { _, ctx in try await hypervisorUptime(ctx) }
        for (suffix, servers) in [("search", false), ("servers", true)] {
            g.get("os-hypervisors/:id/\(suffix)") { _, ctx in
                try Policy.admin(ctx, "os_compute_api:os-hypervisors:\(suffix)")
                guard !ctx.at(53) else { throw NovaError.notFound("The resource could not be found.") }
                let pattern = ctx.parameters.get("id") ?? ""
                let list = try await hypervisorViews(ctx, detail: false, servers: servers)
                    .filter { $0["hypervisor_hostname"]?.string?.contains(pattern) == true }
                guard !list.isEmpty else { throw NovaError.notFound("No hypervisor matching '\(pattern)' could be found.") }
                return try json(.ok, ["hypervisors": .array(list)])
            }
        }
    }

    static let usageKeys = ["vcpus", "vcpus_used", "memory_mb", "memory_mb_used", "local_gb", "local_gb_used",
                            "free_ram_mb", "free_disk_gb", "current_workload", "running_vms", "disk_available_least",
                            "cpu_info"]

    static func idString(_ v: JSON) -> String? { v["id"]?.string ?? v["id"]?.int.map(String.init) }

    func hypervisorList(_ req: Request, _ ctx: NimbusRequestContext, detail: Bool) async throws -> Response {
        try Policy.admin(ctx, "os_compute_api:os-hypervisors:\(detail ? "detail" : "list")")
        let q = Self.query(req)
        let withServers = ctx.at(53) && q["with_servers"]?.last.map { ["true", "1", "yes"].contains($0.lowercased()) } == true
        var list = try await hypervisorViews(ctx, detail: detail, servers: withServers)
        if ctx.at(53), let p = q["hypervisor_hostname_pattern"]?.last {
            list = list.filter { $0["hypervisor_hostname"]?.string?.contains(p) == true }
            if list.isEmpty { throw NovaError.notFound("No hypervisor matching '\(p)' could be found.") }
        }
        var links: JSON?
        if ctx.at(33) {
            let (limit, marker) = try page(q)
            if let marker {
                guard let idx = list.firstIndex(where: { Self.idString($0) == marker }) else {
                    throw NovaError.badRequest("marker [\(marker)] not found")
                }
                list = Array(list[(idx + 1)...])
            }
            if list.count > limit, let last = list.prefix(limit).last, let id = Self.idString(last) {
                links = Self.nextLink(req, detail ? "os-hypervisors/detail" : "os-hypervisors", limit: limit, marker: id)
            }
            list = Array(list.prefix(limit))
        }
        var out: [String: JSON] = ["hypervisors": .array(list)]
        if let links { out["hypervisors_links"] = links }
        return try json(.ok, .object(out))
    }

    func hypervisorViews(_ ctx: NimbusRequestContext, detail: Bool, servers: Bool, legacyFields: Bool = false)
        async throws -> [JSON]
    {
        let nodes = try await store.computeNodes().sorted { $0.id < $1.id }
        let services = Dictionary(try await store.services(binary: "nova-compute").map { ($0.host, $0) },
                                  uniquingKeysWith: { a, _ in a })
        let counts = try await store.instanceCounts()
        let uptimes = detail && ctx.at(88) && !legacyFields ? await hostUptimes(nodes, services) : [:]
        var byNode: [String: [JSON]] = [:]
        if servers {
            var q = ServerListQuery()
            q.sort = [("created_at", false)]
            for s in try await store.apiServers(q) {
                if let n = s.instance.node {
                    byNode[n, default: []].append(["uuid": .string(s.instance.uuid.uuidString.lowercased()),
                                                   "name": .string(s.instance.name)])
                }
            }
        }
        return nodes.map { n in
            let s = services[n.host]
            let r = n.resources
            var o: [String: JSON] = [
                "id": ctx.at(53) ? .string(n.uuid.uuidString.lowercased()) : .int(n.id),
                "hypervisor_hostname": .string(r.hypervisorHostname),
                "state": isUp(s) ? "up" : "down", "status": (s?.disabled ?? false) ? "disabled" : "enabled",
            ]
            if servers, let list = byNode[r.hypervisorHostname] { o["servers"] = .array(list) }
            guard detail else { return .object(o) }
            o["hypervisor_type"] = .string(r.hypervisorType)
            o["hypervisor_version"] = .int(r.hypervisorVersion)
            o["host_ip"] = .string(r.hostIP)
            o["service"] = ["host": .string(n.host),
                            "id": ctx.at(53) ? .optional(s?.uuid.uuidString.lowercased()) : .int(s?.id ?? 0),
                            "disabled_reason": .optional(s?.disabledReason)]
            if ctx.at(88) && !legacyFields {
                o["uptime"] = .optional(uptimes[n.host])
                return .object(o)
            }
            let memUsed = n.used.memoryMB + n.reserved.memoryMB
            let diskUsed = n.used.diskGB + n.reserved.diskGB
            let c = counts[r.hypervisorHostname]
            let cpuInfo: JSON = ctx.at(28)
                ? ((try? JSON.decode(Data(r.cpuInfo.utf8)))?.object.map(JSON.object) ?? [:]) : .string(r.cpuInfo)
            o.merge([
                "vcpus": .int(r.vcpus), "vcpus_used": .int(n.used.vcpus), "memory_mb": .int(r.memoryMB),
                "memory_mb_used": .int(memUsed), "local_gb": .int(r.localGB), "local_gb_used": .int(diskUsed),
                "free_ram_mb": .int(r.memoryMB - memUsed), "free_disk_gb": .int(r.localGB - diskUsed),
                "current_workload": .int(c?.ioOps ?? 0), "running_vms": .int(c?.instances ?? 0),
                "disk_available_least": .int(r.localGB - diskUsed), "cpu_info": cpuInfo,
            ]) { _, new in new }
            return .object(o)
        }
    }
}
