import Foundation
import Hummingbird
import NimbusKernel
import NimbusStore

extension ComputeAPI {
    func addHypervisorRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.get("os-hypervisors") { _, _ in try await hypervisors(detail: false) }
        g.get("os-hypervisors/detail") { _, _ in try await hypervisors(detail: true) }
        g.get("os-hypervisors/statistics") { _, _ in try await statistics() }
        g.get("os-hypervisors/:id") { _, ctx in
            let id = ctx.parameters.get("id") ?? ""
            guard let body = try await hypervisorViews(detail: true).first(where: { $0["id"]?.int.map(String.init) == id })
            else { throw NovaError.notFound("Hypervisor with ID \(id) could not be found.") }
            return try json(.ok, ["hypervisor": body])
        }
    }

    func hypervisors(detail: Bool) async throws -> Response {
        try json(.ok, ["hypervisors": .array(try await hypervisorViews(detail: detail))])
    }

    /// Hypervisors at 2.1: integer ids, usage fields in the detail (removed at 2.88).
    func hypervisorViews(detail: Bool) async throws -> [JSON] {
        let nodes = try await store.computeNodes()
        let services = Dictionary(try await store.services(binary: "nova-compute").map { ($0.host, $0) },
                                  uniquingKeysWith: { a, _ in a })
        let counts = try await store.instanceCounts()
        return nodes.map { n in
            let s = services[n.host]
            var o: [String: JSON] = [
                "id": .int(n.id), "hypervisor_hostname": .string(n.resources.hypervisorHostname),
                "state": isUp(s) ? "up" : "down", "status": (s?.disabled ?? false) ? "disabled" : "enabled",
            ]
            guard detail else { return .object(o) }
            let r = n.resources
            let memUsed = n.used.memoryMB + n.reserved.memoryMB
            let diskUsed = n.used.diskGB + n.reserved.diskGB
            let c = counts[r.hypervisorHostname]
            o.merge([
                "vcpus": .int(r.vcpus), "vcpus_used": .int(n.used.vcpus), "memory_mb": .int(r.memoryMB),
                "memory_mb_used": .int(memUsed), "local_gb": .int(r.localGB), "local_gb_used": .int(diskUsed),
                "free_ram_mb": .int(r.memoryMB - memUsed), "free_disk_gb": .int(r.localGB - diskUsed),
                "current_workload": .int(c?.ioOps ?? 0), "running_vms": .int(c?.instances ?? 0),
                "disk_available_least": .int(r.localGB - diskUsed), "cpu_info": .string(r.cpuInfo),
                "hypervisor_type": .string(r.hypervisorType), "hypervisor_version": .int(r.hypervisorVersion),
                "host_ip": .string(r.hostIP),
                "service": ["host": .string(n.host), "id": .int(s?.id ?? 0), "disabled_reason": .optional(s?.disabledReason)],
            ]) { _, new in new }
            return .object(o)
        }
    }

    func statistics() async throws -> Response {
        let views = try await hypervisorViews(detail: true)
        func sum(_ k: String) -> JSON { .int(views.reduce(0) { $0 + ($1[k]?.int ?? 0) }) }
        let keys = ["vcpus", "vcpus_used", "memory_mb", "memory_mb_used", "local_gb", "local_gb_used", "free_ram_mb",
                    "free_disk_gb", "current_workload", "running_vms", "disk_available_least"]
        var o: [String: JSON] = ["count": .int(views.count)]
        for k in keys { o[k] = sum(k) }
        return try json(.ok, ["hypervisor_statistics": .object(o)])
    }
}
