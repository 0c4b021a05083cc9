import Foundation
import Hummingbird
import NimbusKernel
import NimbusStore

extension ComputeAPI {
    func addFlavorRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.get("flavors") { req, _ in
            let base = Self.baseURL(req)
            return try json(.ok, ["flavors": .array(try await store.flavors().map {
                ["id": .string($0.id), "name": .string($0.name), "links": ServerView.links(base, $0.id, "flavors")]
            })])
        }
        g.get("flavors/detail") { req, _ in
            let base = Self.baseURL(req)
            return try json(.ok, ["flavors": .array(try await store.flavors().map { Self.flavorView($0, base: base) })])
        }
        g.get("flavors/:id") { req, ctx in
            let id = ctx.parameters.get("id") ?? ""
            guard let f = try await store.flavor(id: id) else { throw NovaError.notFound("Flavor \(id) could not be found.") }
            return try json(.ok, ["flavor": Self.flavorView(f, base: Self.baseURL(req))])
        }
        g.post("flavors") { req, _ in
            let f = try Self.parseFlavor(try await Self.body(req))
            do {
                let created = try await store.createFlavor(f)
                return try json(.ok, ["flavor": Self.flavorView(created, base: Self.baseURL(req))])
            } catch let StoreError.conflict(message) {
                throw NovaError.conflict(message)
            }
        }
        g.delete("flavors/:id") { _, ctx in
            let id = ctx.parameters.get("id") ?? ""
            do { try await store.deleteFlavor(id: id) } catch StoreError.notFound {
                throw NovaError.notFound("Flavor \(id) could not be found.")
            }
            return empty(.accepted)
        }
    }

    /// Flavor at 2.1: `swap` is "" when zero, no description or extra_specs.
    static func flavorView(_ f: Flavor, base: String) -> JSON {
        ["id": .string(f.id), "name": .string(f.name), "ram": .int(f.memoryMB), "vcpus": .int(f.vcpus),
         "disk": .int(f.rootGB), "OS-FLV-EXT-DATA:ephemeral": .int(f.ephemeralGB),
         "swap": f.swapMB == 0 ? "" : .int(f.swapMB), "os-flavor-access:is_public": .bool(f.isPublic),
         "OS-FLV-DISABLED:disabled": .bool(f.disabled), "rxtx_factor": .double(f.rxtxFactor),
         "links": ServerView.links(base, f.id, "flavors")]
    }

    static func parseFlavor(_ body: JSON) throws -> Flavor {
        guard let f = body["flavor"]?.object else {
            throw NovaError.badRequest("Invalid input for field/attribute flavor. 'flavor' is a required property")
        }
        guard let name = f["name"]?.string, !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 255 else {
            throw NovaError.badRequest("Invalid input for field/attribute name. 'name' is a required non-empty string")
        }
        func int(_ key: String, min: Int, required: Bool) throws -> Int? {
            guard let v = f[key], !v.isNull else {
                if required { throw NovaError.badRequest("Invalid input for field/attribute \(key). '\(key)' is a required property") }
                return nil
            }
            guard let n = v.int, n >= min else {
                throw NovaError.badRequest("Invalid input for field/attribute \(key). Value: \(v). must be an integer >= \(min)")
            }
            return n
        }
        let id: String
        switch f["id"] {
        case nil, .null?: id = UUID().uuidString.lowercased()
        case .string(let s)? where !s.isEmpty && s.count <= 255: id = s
        case .int(let n)?: id = String(n)
        default: throw NovaError.badRequest("Invalid input for field/attribute id.")
        }
        var rxtx = 1.0
        if let r = f["rxtx_factor"] {
            guard let d = r.number, d > 0 else { throw NovaError.badRequest("Invalid input for field/attribute rxtx_factor.") }
            rxtx = d
        }
        var isPublic = true
        if let p = f["os-flavor-access:is_public"] {
            guard let b = p.bool else {
                throw NovaError.badRequest("Invalid input for field/attribute os-flavor-access:is_public.")
            }
            isPublic = b
        }
        return Flavor(id: id, name: name, memoryMB: try int("ram", min: 1, required: true)!,
                      vcpus: try int("vcpus", min: 1, required: true)!, rootGB: try int("disk", min: 0, required: true)!,
                      ephemeralGB: try int("OS-FLV-EXT-DATA:ephemeral", min: 0, required: false) ?? 0,
                      swapMB: try int("swap", min: 0, required: false) ?? 0, rxtxFactor: rxtx, isPublic: isPublic)
    }
}
