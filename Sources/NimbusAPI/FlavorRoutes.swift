import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusStore

extension ComputeAPI {
    func addFlavorRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.get("flavors") { req, ctx in try await listFlavors(req, ctx, detail: false) }
        g.get("flavors/detail") { req, ctx in try await listFlavors(req, ctx, detail: true) }
        g.get("flavors/:id") { req, ctx in
            let f = try await visibleFlavor(ctx.parameters.get("id"), ctx)
            return try json(.ok, ["flavor": Self.flavorView(f, base: Self.baseURL(req), ctx)])
        }
        g.post("flavors") { req, ctx in
            try Policy.admin(ctx, "os_compute_api:os-flavor-manage:create")
            let f = try Self.parseFlavor(try await Self.wrapped(req, "flavor", ctx), ctx)
            let created = try await Self.mapped { try await store.createFlavor(f) }
            return try json(.ok, ["flavor": Self.flavorView(created, base: Self.baseURL(req), ctx)])
        }
        g.put("flavors/:id") { req, ctx in
            try Self.since(ctx, 55)
            try Policy.admin(ctx, "os_compute_api:os-flavor-manage:update")
            var f = try await flavor(ctx.parameters.get("id"))
            let body = try await Self.wrapped(req, "flavor", ctx)
            try body.only(["description"])
            try body.require("description")
            f.description = try body.string("description", nullable: true, max: 65535)
            try await Self.mapped { try await store.updateFlavor(f) }
            return try json(.ok, ["flavor": Self.flavorView(f, base: Self.baseURL(req), ctx)])
        }
        g.delete("flavors/:id") { _, ctx in
            try Policy.admin(ctx, "os_compute_api:os-flavor-manage:delete")
            let id = ctx.parameters.get("id") ?? ""
            do { try await store.deleteFlavor(id: id) } catch StoreError.notFound {
                throw NovaError.notFound("Flavor \(id) could not be found.")
            }
            return empty(.accepted)
        }
    }

    func flavor(_ id: String?) async throws -> Flavor {
        guard let id, let f = try await store.flavor(id: id) else {
            throw NovaError.notFound("Flavor \(id ?? "") could not be found.")
        }
        return f
    }

    /// A flavor the caller may see: private flavors only with access (or as admin).
    func visibleFlavor(_ id: String?, _ ctx: NimbusRequestContext) async throws -> Flavor {
        let f = try await flavor(id)
        if !f.isPublic, !ctx.auth.isAdmin, !(try await store.flavorProjects(f.id).contains(ctx.auth.projectID)) {
            throw NovaError.notFound("Flavor \(f.id) could not be found.")
        }
        return f
    }

    func listFlavors(_ req: Request, _ ctx: NimbusRequestContext, detail: Bool) async throws -> Response {
        let q = Self.query(req)
        func one(_ k: String) -> String? { q[k]?.last }
        if ctx.at(75) {
            var known: Set<String> = ["is_public", "minRam", "minDisk", "sort_key", "sort_dir", "limit", "marker"]
            if ctx.at(102) { known.insert("name") }
            if let bad = q.keys.sorted().first(where: { !known.contains($0) }) {
                throw NovaError.badRequest("Invalid input for query parameters \(bad). Additional properties are not allowed ('\(bad)' was unexpected)")
            }
        }
        var flavors = try await store.flavors()
        // is_public: absent → public only (plus accessible ones); "none" → all (admins); true/false → that.
        let isPublic: Bool? = switch one("is_public")?.lowercased() {
        case nil: true
        case "none"?: nil
        case let v?: ["true", "1", "yes", "t", "on"].contains(v)
        }
        let accessible = try await store.flavorsAccessible(project: ctx.auth.projectID)
        flavors = flavors.filter { f in
            if !ctx.auth.isAdmin { return f.isPublic || accessible.contains(f.id) }
            guard let isPublic else { return true }
            return isPublic ? (f.isPublic || accessible.contains(f.id)) : !f.isPublic
        }
        if let m = one("minRam") {
            guard let n = Int(m) else { throw NovaError.badRequest("Invalid minRam filter [\(m)]") }
            flavors = flavors.filter { $0.memoryMB >= n }
        }
        if let m = one("minDisk") {
            guard let n = Int(m) else { throw NovaError.badRequest("Invalid minDisk filter [\(m)]") }
            flavors = flavors.filter { $0.rootGB >= n }
        }
        if ctx.at(102), let n = one("name") { flavors = flavors.filter { $0.name.contains(n) } }
        let key = one("sort_key") ?? "flavorid", desc = one("sort_dir") == "desc"
        let keyed: (Flavor) -> String = switch key {
        case "name": { $0.name }
        case "memory_mb": { String(format: "%012d", $0.memoryMB) }
        case "vcpus": { String(format: "%012d", $0.vcpus) }
        case "root_gb": { String(format: "%012d", $0.rootGB) }
        case "flavorid", "id": { $0.id }
        case "created_at", "ephemeral_gb", "swap", "rxtx_factor", "disabled", "is_public", "description": { $0.id }
        default: throw NovaError.badRequest("Invalid input for query parameters sort_key. Value: \(key).")
        }
        flavors.sort { desc ? keyed($0) > keyed($1) : keyed($0) < keyed($1) }
        let (limit, marker) = try page(q)
        if let marker {
            guard let idx = flavors.firstIndex(where: { $0.id == marker }) else {
                throw NovaError.badRequest("marker [\(marker)] not found")
            }
            flavors = Array(flavors[(idx + 1)...])
        }
        let page = flavors.prefix(limit)
        let base = Self.baseURL(req)
        return try json(.ok, ["flavors": .array(page.map { f in
            if detail { return Self.flavorView(f, base: base, ctx) }
            var o: [String: JSON] = ["id": .string(f.id), "name": .string(f.name),
                                     "links": ServerView.links(base, f.id, "flavors")]
            if ctx.at(55) { o["description"] = .optional(f.description) }
            return .object(o)
        })])
    }

    /// Flavor by microversion: description 2.55+, extra_specs 2.61+, swap 0 (not "") from 2.75,
    /// rxtx_factor and OS-FLV-DISABLED gone at 2.102.
    static func flavorView(_ f: Flavor, base: String, _ ctx: NimbusRequestContext) -> JSON {
        var o: [String: JSON] = [
            "id": .string(f.id), "name": .string(f.name), "ram": .int(f.memoryMB), "vcpus": .int(f.vcpus),
            "disk": .int(f.rootGB), "OS-FLV-EXT-DATA:ephemeral": .int(f.ephemeralGB),
            "swap": f.swapMB == 0 && !ctx.at(75) ? "" : .int(f.swapMB), "os-flavor-access:is_public": .bool(f.isPublic),
            "links": ServerView.links(base, f.id, "flavors"),
        ]
        if !ctx.at(102) {
            o["OS-FLV-DISABLED:disabled"] = .bool(f.disabled)
            o["rxtx_factor"] = .double(f.rxtxFactor)
        }
        if ctx.at(55) { o["description"] = .optional(f.description) }
        if ctx.at(61) { o["extra_specs"] = .object(f.extraSpecs.mapValues(JSON.string)) }
        return .object(o)
    }

    static func parseFlavor(_ f: Fields, _ ctx: NimbusRequestContext) throws -> Flavor {
        var allowed: Set<String> = ["name", "ram", "vcpus", "disk", "id", "OS-FLV-EXT-DATA:ephemeral", "swap",
                                    "rxtx_factor", "os-flavor-access:is_public"]
        if ctx.at(55) { allowed.insert("description") }
        try f.only(allowed)
        try f.require("name", "ram", "vcpus", "disk")
        let name = try f.string("name", required: true, min: 1, max: 255, trimmed: true)!
        let id: String
        switch f["id"] {
        case nil, .null?: id = UUID().uuidString.lowercased()
        case .string(let s)? where !s.isEmpty && s.count <= 255 && s.allSatisfy({ $0.isLetter || $0.isNumber || "-_. ".contains($0) }):
            id = s
        case .int(let n)?: id = String(n)
        case let v: throw Fields.invalid("id", v, "is not a valid flavor id")
        }
        var rxtx = 1.0
        if let r = f["rxtx_factor"] {
            guard let d = r.number, d > 0, r.bool == nil else { throw Fields.invalid("rxtx_factor", r, "must be a number > 0") }
            rxtx = d
        }
        let maxInt = 2_147_483_647
        return Flavor(id: id, name: name, memoryMB: try f.int("ram", required: true, min: 1, max: maxInt)!,
                      vcpus: try f.int("vcpus", required: true, min: 1, max: maxInt)!,
                      rootGB: try f.int("disk", required: true, min: 0, max: maxInt)!,
                      ephemeralGB: try f.int("OS-FLV-EXT-DATA:ephemeral", min: 0, max: maxInt) ?? 0,
                      swapMB: try f.int("swap", min: 0, max: maxInt) ?? 0, rxtxFactor: rxtx,
                      isPublic: try f.bool("os-flavor-access:is_public") ?? true,
                      description: try f.string("description", nullable: true, max: 65535))
    }
}
