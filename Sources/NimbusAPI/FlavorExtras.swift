import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusStore

/// Flavor extra specs (`os-extra_specs`) and access lists of private flavors.
extension ComputeAPI {
    func addFlavorExtraRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.get("flavors/:id/os-extra_specs") { _, ctx in
            let f = try await visibleFlavor(ctx.parameters.get("id"), ctx)
            return try json(.ok, ["extra_specs": .object(f.extraSpecs.mapValues(JSON.string))])
        }
        g.post("flavors/:id/os-extra_specs") { req, ctx in
            try Policy.admin(ctx, "os_compute_api:os-flavor-extra-specs:create")
            var f = try await flavor(ctx.parameters.get("id"))
            let specs = try Fields.stringMap(try await Self.wrapped(req, "extra_specs", ctx).values, field: "extra_specs")
            f.extraSpecs.merge(specs) { _, new in new }
            try await Self.mapped { try await store.updateFlavor(f) }
            return try json(.ok, ["extra_specs": .object(specs.mapValues(JSON.string))])
        }
        g.get("flavors/:id/os-extra_specs/:key") { _, ctx in
            let f = try await visibleFlavor(ctx.parameters.get("id"), ctx)
            let key = ctx.parameters.get("key") ?? ""
            guard let v = f.extraSpecs[key] else {
                throw NovaError.notFound("Flavor \(f.id) has no extra specs with key \(key).")
            }
            return try json(.ok, [key: .string(v)])
        }
        g.put("flavors/:id/os-extra_specs/:key") { req, ctx in
            try Policy.admin(ctx, "os_compute_api:os-flavor-extra-specs:update")
            var f = try await flavor(ctx.parameters.get("id"))
            let key = ctx.parameters.get("key") ?? ""
            let m = try Fields.stringMap(try await Self.object(req).values, field: "extra_specs")
            guard m.count == 1, let v = m[key] else { throw NovaError.badRequest("Request body and URI mismatch") }
            f.extraSpecs[key] = v
            try await Self.mapped { try await store.updateFlavor(f) }
            return try json(.ok, [key: .string(v)])
        }
        g.delete("flavors/:id/os-extra_specs/:key") { _, ctx in
            try Policy.admin(ctx, "os_compute_api:os-flavor-extra-specs:delete")
            var f = try await flavor(ctx.parameters.get("id"))
            let key = ctx.parameters.get("key") ?? ""
            guard f.extraSpecs.removeValue(forKey: key) != nil else {
                throw NovaError.notFound("Flavor \(f.id) has no extra specs with key \(key).")
            }
            try await Self.mapped { try await store.updateFlavor(f) }
            return empty(.accepted)
        }

        g.get("flavors/:id/os-flavor-access") { _, ctx in
            try Policy.admin(ctx, "os_compute_api:os-flavor-access")
            let f = try await flavor(ctx.parameters.get("id"))
            guard !f.isPublic else { throw NovaError.notFound("Access list not available for public flavors.") }
            return try json(.ok, try await accessList(f.id))
        }
        g.post("flavors/:id/action") { req, ctx in
            let f = try await flavor(ctx.parameters.get("id"))
            let body = try await Self.object(req)
            guard body.values.count == 1, let (name, args) = body.values.first,
                  name == "addTenantAccess" || name == "removeTenantAccess" else {
                throw NovaError.badRequest("There is no such action: \(body.values.keys.sorted().first ?? "")")
            }
            try Policy.admin(ctx, "os_compute_api:os-flavor-access:\(name == "addTenantAccess" ? "add" : "remove")_tenant_access")
            guard let o = args.object else { throw Fields.invalid(name, args, "is not of type 'object'") }
            let a = Fields(o, path: name)
            try a.only(["tenant"])
            let tenant = try a.string("tenant", required: true, min: 1, max: 255)!
            if name == "addTenantAccess" {
                guard !f.isPublic else { throw NovaError.conflict("Can not add access to a public flavor.") }
                try await Self.mapped { try await store.addFlavorAccess(f.id, project: tenant) }
            } else {
                do { try await store.removeFlavorAccess(f.id, project: tenant) } catch StoreError.notFound {
                    throw NovaError.notFound("Flavor access not found for \(f.id) / \(tenant) combination.")
                }
            }
            return try json(.ok, try await accessList(f.id))
        }
    }

    func accessList(_ flavorID: String) async throws -> JSON {
        ["flavor_access": .array(try await store.flavorProjects(flavorID).map {
            ["flavor_id": .string(flavorID), "tenant_id": .string($0)]
        })]
    }
}
