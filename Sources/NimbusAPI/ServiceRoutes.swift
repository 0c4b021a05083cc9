import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusStore

/// os-services (admin): integer ids and `/enable`-style actions before 2.53, UUIDs and `PUT /{id}` from
/// 2.53; `forced_down` 2.11+.
extension ComputeAPI {
    func addServiceRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.get("os-services") { req, ctx in
            try Policy.admin(ctx, "os_compute_api:os-services:list")
            let q = Self.query(req)
            if ctx.at(75), let bad = q.keys.first(where: { $0 != "binary" && $0 != "host" }) {
                throw NovaError.badRequest("Invalid input for query parameters \(bad). Additional properties are not allowed ('\(bad)' was unexpected)")
            }
            var list = try await store.services(binary: q["binary"]?.last, host: q["host"]?.last)
            list.sort { ($0.host, $0.binary) < ($1.host, $1.binary) }
            let zones = try await hostZones()
            return try json(.ok, ["services": .array(list.map { serviceView($0, ctx, zones) })])
        }
        g.put("os-services/:id") { req, ctx in
            try Policy.admin(ctx, "os_compute_api:os-services:update")
            let id = ctx.parameters.get("id") ?? ""
            if !ctx.at(53) { return try await legacyServiceAction(id, req, ctx) }
            let s = try await service(id, ctx)
            let body = try await Self.object(req)
            try body.only(["status", "disabled_reason", "forced_down"])
            let status = try body.string("status")
            if let status, status != "enabled" && status != "disabled" {
                throw Fields.invalid("status", .string(status), "'\(status)' is not one of ['enabled', 'disabled']")
            }
            let reason = try body.string("disabled_reason", min: 1, max: 255)
            if reason != nil, status != "disabled" {
                throw NovaError.badRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.")
            }
            let forced = try body.bool("forced_down")
            guard status != nil || forced != nil else {
                throw NovaError.badRequest("No updates were requested. Fields 'status' or 'forced_down' should be specified.")
            }
            guard s.binary == "nova-compute" else {
                throw NovaError.badRequest("Updating a \(s.binary) service is not supported. Only nova-compute services can be updated.")
            }
            let updated = try await store.updateService(
                s.uuid, disabled: status.map { $0 == "disabled" },
                disabledReason: status.map { $0 == "disabled" ? reason : nil }, forcedDown: forced)
            return try json(.ok, ["service": serviceView(updated, ctx, try await hostZones())])
        }
        g.delete("os-services/:id") { _, ctx in
            try Policy.admin(ctx, "os_compute_api:os-services:delete")
            let s = try await service(ctx.parameters.get("id") ?? "", ctx)
            if s.binary == "nova-compute",
               !(try await store.apiServers({ var q = ServerListQuery(); q.host = s.host; return q }())).isEmpty {
                throw NovaError.conflict("Unable to delete compute service that is hosting instances. Migrate or delete the instances first.")
            }
            try await Self.mapped { try await store.deleteService(s.uuid) }
            return empty(.noContent)
        }
    }

    func service(_ id: String, _ ctx: NimbusRequestContext) async throws -> ServiceRecord {
        let all = try await store.services()
        if ctx.at(53) {
            guard let u = UUID(uuidString: id) else { throw NovaError.badRequest("Invalid uuid \(id)") }
            if let s = all.first(where: { $0.uuid == u }) { return s }
        } else {
            guard let n = Int(id) else { throw NovaError.badRequest("Invalid service id \(id)") }
            if let s = all.first(where: { $0.id == n }) { return s }
        }
        throw NovaError.notFound("Service \(id) could not be found.")
    }

    /// Compute hosts' zones (aggregate AZ or the default).
    func hostZones() async throws -> [String: String] {
        var out: [String: String] = [:]
        for a in try await store.aggregates() { if let az = a.availabilityZone { for h in a.hosts { out[h] = az } } }
        return out
    }

    func serviceView(_ s: ServiceRecord, _ ctx: NimbusRequestContext, _ zones: [String: String]) -> JSON {
        var o: [String: JSON] = [
            "id": ctx.at(53) ? .string(s.uuid.uuidString.lowercased()) : .int(s.id), "binary": .string(s.binary),
            "host": .string(s.host),
            "zone": .string(s.binary == "nova-compute" ? zones[s.host] ?? defaultAZ : internalAZ),
            "status": s.disabled ? "disabled" : "enabled", "state": isUp(s) && !s.forcedDown ? "up" : "down",
            "updated_at": NovaTime.micro(s.updatedAt ?? s.lastSeenUp), "disabled_reason": .optional(s.disabledReason),
        ]
        if ctx.at(11) { o["forced_down"] = .bool(s.forcedDown) }
        return .object(o)
    }

    /// Before 2.53: `PUT /os-services/{enable,disable,disable-log-reason,force-down}` with host and binary.
    func legacyServiceAction(_ action: String, _ req: Request, _ ctx: NimbusRequestContext) async throws -> Response {
        guard ["enable", "disable", "disable-log-reason"].contains(action) || (action == "force-down" && ctx.at(11)) else {
            throw NovaError.notFound("Unknown action")
        }
        let body = try await Self.object(req)
        try body.only(["host", "binary", "disabled_reason", "forced_down"])
        let host = try body.string("host", required: true, min: 1)!
        let binary = try body.string("binary", required: true, min: 1)!
        guard let s = try await store.services(binary: binary, host: host).first else {
            throw NovaError.notFound("Host '\(host)' is not mapped to any cell")
        }
        var out: [String: JSON] = ["host": .string(host), "binary": .string(binary)]
        switch action {
        case "enable":
            _ = try await store.updateService(s.uuid, disabled: false, disabledReason: .some(nil))
            out["status"] = "enabled"
        case "disable", "disable-log-reason":
            let reason = action == "disable" ? nil : try body.string("disabled_reason", required: true, min: 1, max: 255)
            _ = try await store.updateService(s.uuid, disabled: true, disabledReason: .some(reason))
            out["status"] = "disabled"
            if let reason { out["disabled_reason"] = .string(reason) }
        default:
            guard let forced = try body.bool("forced_down") else {
                throw Fields.invalid("forced_down", nil, "'forced_down' is a required property")
            }
            _ = try await store.updateService(s.uuid, forcedDown: forced)
            out["forced_down"] = .bool(forced)
        }
        return try json(.ok, ["service": .object(out)])
    }
}
