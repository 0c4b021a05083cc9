import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusStore

/// os-aggregates (admin; `uuid` 2.41+) and os-availability-zone (zones are aggregate metadata).
extension ComputeAPI {
    func addAggregateRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.get("os-aggregates") { _, ctx in
            try Policy.admin(ctx, "os_compute_api:os-aggregates:index")
            return try json(.ok, ["aggregates": .array(try await store.aggregates().map { Self.aggregateView($0, ctx) })])
        }
        g.post("os-aggregates") { req, ctx in
            try Policy.admin(ctx, "os_compute_api:os-aggregates:create")
            let body = try await Self.wrapped(req, "aggregate", ctx)
            try body.only(["name", "availability_zone"])
            try body.require("name")
            let name = try body.string("name", required: true, min: 1, max: 255, trimmed: true)!
            let az = try body.string("availability_zone", nullable: true, min: 1, max: 255)
            try checkAZName(az)
            let a = try await Self.mapped { try await store.createAggregate(name: name, availabilityZone: az) }
            return try json(.ok, ["aggregate": Self.aggregateView(a, ctx, full: false)])
        }
        g.get("os-aggregates/:id") { _, ctx in
            try Policy.admin(ctx, "os_compute_api:os-aggregates:show")
            return try json(.ok, ["aggregate": Self.aggregateView(try await aggregate(ctx), ctx)])
        }
        g.put("os-aggregates/:id") { req, ctx in
            try Policy.admin(ctx, "os_compute_api:os-aggregates:update")
            let a = try await aggregate(ctx)
            let body = try await Self.wrapped(req, "aggregate", ctx)
            try body.only(["name", "availability_zone"])
            guard !body.values.isEmpty else { throw Fields.invalid("aggregate", .object([:]), "{} does not have enough properties") }
            let name = try body.string("name", min: 1, max: 255, trimmed: true)
            let az = try body.string("availability_zone", nullable: true, min: 1, max: 255)
            try checkAZName(az)
            if body.has("availability_zone") {
                try await checkNoInstances(a, newAZ: az, "Cannot update aggregate \(a.id)")
            }
            let updated = try await Self.mapped {
                try await store.updateAggregate(id: a.id, name: name, availabilityZone: az)
            }
            return try json(.ok, ["aggregate": Self.aggregateView(updated, ctx)])
        }
        g.delete("os-aggregates/:id") { _, ctx in
            try Policy.admin(ctx, "os_compute_api:os-aggregates:delete")
            let a = try await aggregate(ctx)
            do { try await store.deleteAggregate(id: a.id) } catch let StoreError.conflict(m) {
                throw NovaError.badRequest(m)
            }
            return empty(.ok)
        }
        g.post("os-aggregates/:id/action") { req, ctx in try await aggregateAction(req, ctx) }
    }

    func aggregate(_ ctx: NimbusRequestContext) async throws -> AggregateRecord {
        let raw = ctx.parameters.get("id") ?? ""
        guard let id = Int(raw) else { throw NovaError.badRequest("Invalid input for field/attribute id. Value: \(raw).") }
        do { return try await store.aggregate(id: id) } catch StoreError.notFound {
            throw NovaError.notFound("Aggregate \(id) could not be found.")
        }
    }

    func checkAZName(_ az: String?) throws {
        if let az, az == internalAZ {
            throw NovaError.badRequest("Aggregate's availability zone cannot be the internal zone '\(internalAZ)'.")
        }
    }

    /// Nova refuses to move hosts that run servers to another zone (their servers' zone would change under
    /// them): 400 "... Reason: One or more hosts contain instances in this zone."
    func checkNoInstances(_ a: AggregateRecord, newAZ: String?, _ what: String) async throws {
        guard newAZ != a.availabilityZone else { return }
        for h in a.hosts where !(try await store.instances(InstanceQuery(host: h))).isEmpty {
            throw NovaError.badRequest("\(what). Reason: One or more hosts contain instances in this zone.")
        }
    }

    func aggregateAction(_ req: Request, _ ctx: NimbusRequestContext) async throws -> Response {
        let body = try await Self.object(req)
        guard body.values.count == 1, let (name, args) = body.values.first,
              ["add_host", "remove_host", "set_metadata"].contains(name) else {
            throw NovaError.badRequest("There is no such action: \(body.values.keys.sorted().first ?? "")")
        }
        try Policy.admin(ctx, "os_compute_api:os-aggregates:\(name)")
        let a = try await aggregate(ctx)
        guard let o = args.object else { throw Fields.invalid(name, args, "is not of type 'object'") }
        let f = Fields(o, path: name)
        switch name {
        case "set_metadata":
            try f.only(["metadata"])
            guard let m = try f.object("metadata", required: true) else { throw Fields.invalid("metadata", nil, "") }
            var changes: [String: String?] = [:]
            for (k, v) in m.values {
                guard !k.isEmpty, k.count <= 255 else { throw Fields.invalid("metadata", .string(k), "is not a valid key") }
                if v.isNull { changes[k] = .some(nil) } else if let s = v.string, s.count <= 255 { changes[k] = s }
                else { throw Fields.invalid("metadata", v, "\(v.brief) is not of type 'string', 'null'") }
            }
            if case let az?? = changes["availability_zone"] { try checkAZName(az) }
            if let az = changes["availability_zone"] {
                try await checkNoInstances(a, newAZ: az, "Cannot update metadata of aggregate \(a.id)")
            }
            let updated = try await Self.mapped { try await store.setMetadata(aggregate: a.id, changes) }
            return try json(.ok, ["aggregate": Self.aggregateView(updated, ctx)])
        default:
            try f.only(["host"])
            let host = try f.string("host", required: true, min: 1, max: 255)!
            if name == "add_host" {
                guard !(try await store.services(binary: "nova-compute", host: host)).isEmpty else {
                    throw NovaError.notFound("Compute host \(host) could not be found.")
                }
                // A host lives in one availability zone: joining an aggregate of another AZ is refused.
                if let az = a.availabilityZone {
                    for other in try await store.aggregates(forHost: host) {
                        if let oaz = other.availabilityZone, oaz != az {
                            throw NovaError.conflict("Cannot add host to aggregate \(a.id). Reason: One or more hosts already in availability zone(s) ['\(oaz)'].")
                        }
                    }
                }
                let updated = try await Self.mapped { try await store.addHost(host, toAggregate: a.id) }
                return try json(.ok, ["aggregate": Self.aggregateView(updated, ctx)])
            }
            do {
                let updated = try await store.removeHost(host, fromAggregate: a.id)
                return try json(.ok, ["aggregate": Self.aggregateView(updated, ctx)])
            } catch StoreError.notFound {
                throw NovaError.notFound("Cannot remove host \(host) in aggregate \(a.id)")
            }
        }
    }

    static func aggregateView(_ a: AggregateRecord, _ ctx: NimbusRequestContext, full: Bool = true) -> JSON {
        var o: [String: JSON] = [
            "id": .int(a.id), "name": .string(a.name), "availability_zone": .optional(a.availabilityZone),
            "created_at": NovaTime.micro(a.createdAt), "updated_at": NovaTime.micro(a.updatedAt), "deleted": false,
            "deleted_at": nil,
        ]
        if ctx.at(41) { o["uuid"] = .string(a.uuid.uuidString.lowercased()) }
        if full {
            o["hosts"] = .array(a.hosts.map(JSON.string))
            o["metadata"] = .object(a.metadata.mapValues(JSON.string))
        }
        return .object(o)
    }

    // MARK: availability zones

    /// Zones a server may name: the default zone and every aggregate's zone.
    func availabilityZones() async throws -> Set<String> {
        var zones: Set<String> = [defaultAZ]
        for a in try await store.aggregates() { if let az = a.availabilityZone { zones.insert(az) } }
        return zones
    }

    func addAvailabilityZoneRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.get("os-availability-zone") { _, _ in try json(.ok, ["availabilityZoneInfo": .array(try await zoneInfo(detail: false))]) }
        g.get("os-availability-zone/detail") { _, ctx in
            try Policy.admin(ctx, "os_compute_api:os-availability-zone:detail")
            return try json(.ok, ["availabilityZoneInfo": .array(try await zoneInfo(detail: true))])
        }
    }

    /// Nova's listing: a zone is available when one of its compute services is enabled and up;
    /// the detail adds per-host service states and the internal zone of the control services.
    func zoneInfo(detail: Bool) async throws -> [JSON] {
        var hostAZ: [String: String] = [:]
        for a in try await store.aggregates() { if let az = a.availabilityZone { for h in a.hosts { hostAZ[h] = az } } }
        let services = try await store.services()
        var zones: [String: (available: Bool, hosts: [String: [String: JSON]])] = [:]
        for s in services {
            let compute = s.binary == "nova-compute"
            if !compute && !detail { continue }
            let zone = compute ? hostAZ[s.host] ?? defaultAZ : internalAZ
            let up = isUp(s)
            var z = zones[zone] ?? (false, [:])
            if !s.disabled && up { z.available = true }
            z.hosts[s.host, default: [:]][s.binary] = ["available": .bool(up), "active": .bool(!s.disabled),
                                                       "updated_at": NovaTime.micro(s.updatedAt ?? s.lastSeenUp)]
            zones[zone] = z
        }
        return zones.keys.sorted().map { name in
            let z = zones[name]!
            return ["zoneName": .string(name), "zoneState": ["available": .bool(z.available)],
                    "hosts": detail ? .object(z.hosts.mapValues { .object($0) }) : .null]
        }
    }
}
