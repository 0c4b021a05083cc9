import Foundation
import HTTPTypes
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusStore

/// os-simple-tenant-usage (all projects: admin; one project: its readers) and routes Nova removed.
extension ComputeAPI {
    func addUsageRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.get("os-simple-tenant-usage") { req, ctx in
            try Policy.admin(ctx, "os_compute_api:os-simple-tenant-usage:list")
            let q = Self.query(req)
            let (start, end) = try Self.usagePeriod(q)
            let detailed = q["detailed"]?.last.map { $0 == "1" || $0.lowercased() == "true" } ?? false
            let servers = try await store.usageServers(project: nil, start: start, end: end)
            let usages = Dictionary(grouping: servers, by: \.projectID).sorted { $0.key < $1.key }.map {
                Self.tenantUsage($0.key, $0.value, start: start, end: end, detailed: detailed)
            }
            return try json(.ok, ["tenant_usages": .array(usages)])
        }
        g.get("os-simple-tenant-usage/:project") { req, ctx in
            let p = ctx.parameters.get("project") ?? ""
            try Policy.project(ctx, p, "os_compute_api:os-simple-tenant-usage:show")
            let (start, end) = try Self.usagePeriod(Self.query(req))
            let servers = try await store.usageServers(project: p, start: start, end: end)
            return try json(.ok, ["tenant_usage": servers.isEmpty ? [:] : Self.tenantUsage(p, servers, start: start, end: end, detailed: true)])
        }
    }

    static func usagePeriod(_ q: [String: [String]]) throws -> (Date, Date) {
        func parse(_ k: String) throws -> Date? {
            guard let s = q[k]?.last else { return nil }
            guard let d = parseTime(s) else { throw NovaError.badRequest("Invalid input for field/attribute \(k). Value: \(s).") }
            return d
        }
        let now = Date()
        let start = try parse("start") ?? now, end = try parse("end") ?? now
        guard start <= end else { throw NovaError.badRequest("Invalid start time. The start time cannot occur after the end time.") }
        // Nova bills running servers up to now, not up to a future end (`openstack usage` sends now + 1 day).
        return (start, min(end, now))
    }

    static func tenantUsage(_ project: String, _ servers: [InstanceRecord], start: Date, end: Date, detailed: Bool) -> JSON {
        var hoursTotal = 0.0, vcpu = 0.0, mem = 0.0, disk = 0.0
        var rows: [JSON] = []
        for i in servers {
            let from = max(i.launchedAt ?? i.createdAt, start), to = min(i.terminatedAt ?? end, end)
            let hours = max(0, to.timeIntervalSince(from)) / 3600
            let f = i.flavor
            hoursTotal += hours
            vcpu += hours * Double(f.vcpus)
            mem += hours * Double(f.memoryMB)
            disk += hours * Double(f.rootGB + f.ephemeralGB)
            rows.append(["instance_id": .string(i.uuid.uuidString.lowercased()), "name": .string(i.name),
                         "hours": .double(hours), "memory_mb": .int(f.memoryMB), "local_gb": .int(f.rootGB + f.ephemeralGB),
                         "vcpus": .int(f.vcpus), "tenant_id": .string(project), "flavor": .string(f.name),
                         "started_at": NovaTime.micro(i.launchedAt ?? i.createdAt), "ended_at": NovaTime.micro(i.terminatedAt),
                         "state": .string(i.terminatedAt == nil ? i.vmState.rawValue : "terminated"),
                         "uptime": .int(Int(max(0, (i.terminatedAt ?? Date()).timeIntervalSince(i.launchedAt ?? i.createdAt))))])
        }
        var o: [String: JSON] = [
            "tenant_id": .string(project), "total_hours": .double(hoursTotal), "total_vcpus_usage": .double(vcpu),
            "total_memory_mb_usage": .double(mem), "total_local_gb_usage": .double(disk),
            "start": NovaTime.micro(start), "stop": NovaTime.micro(end),
        ]
        if detailed { o["server_usages"] = .array(rows) }
        return .object(o)
    }

    static let removedAPIs = ["os-agents", "os-cells", "os-certificates", "os-cloudpipe", "os-fping", "os-fixed-ips",
                              "os-floating-ip-dns", "os-floating-ips-bulk", "os-security-group-default-rules"]

    /// Removed APIs answer 410 Gone; the nova-network proxy (`os-networks`) exists up to 2.35 and lists
    /// nothing, since Nimbus has no networking service.
    func addRemovedRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        for name in Self.removedAPIs {
            for path in [name, name + "/**"] {
                for method: HTTPRequest.Method in [.get, .post, .put, .delete] {
                    g.on(RouterPath(path), method: method) { _, _ -> Response in
                        throw NovaError(.gone, "This API is no longer available.")
                    }
                }
            }
        }
        g.get("os-networks") { _, ctx in
            guard ctx.microversion <= APIVersion(2, 35) else { throw NovaError.notFound("The resource could not be found.") }
            return try json(.ok, ["networks": []])
        }
        g.get("os-networks/:id") { _, ctx -> Response in
            guard ctx.microversion <= APIVersion(2, 35) else { throw NovaError.notFound("The resource could not be found.") }
            throw NovaError.notFound("Network \(ctx.parameters.get("id") ?? "") could not be found.")
        }
    }
}
