import Foundation
import HTTPTypes
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusStore

extension NetworkAPI {
    static let networkAttributes: Set<String> = [
        "name", "admin_state_up", "shared", "router:external", "description", "mtu", "tenant_id", "project_id",
        "port_security_enabled", "availability_zone_hints",
    ]

    func addNetworkRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/v2.0/networks") { req, _ in
            let c = try await caller(req)
            let nets = try await store.networks(visibleTo: c.isAdmin ? nil : c.projectID).filter { NetworkPolicy.canSee($0, c) }
            let subnets = Dictionary(grouping: try await store.subnets(networkIDs: nets.map(\.id)), by: \.networkID)
            let views = nets.map { NeutronViews.network($0, subnets: subnets[$0.id]?.map(\.id) ?? []) }
            return json(.ok, try NeutronListing(collection: "networks", limitMax: config.limitMax)
                .page(views, req, notFound: NeutronError.networkNotFound))
        }
        router.post("/v2.0/networks") { req, _ in
            let c = try await caller(req)
            let a = try Attributes(try await Self.body(req, resource: "network"), allowed: Self.networkAttributes)
            try NetworkPolicy.require(c.isMember, "rule:create_network")
            var n = NetworkRecord(projectID: try NetworkPolicy.project(a, c))
            try apply(a, to: &n, caller: c, creating: true)
            try await store.saveNetwork(n, insert: true)
            return json(.created, ["network": NeutronViews.network(n, subnets: [])])
        }
        router.get("/v2.0/networks/{id}") { req, ctx in
            let c = try await caller(req)
            let n = try await network(ctx.parameters.get("id") ?? "", for: c)
            return json(.ok, ["network": NeutronListing.select(try await view(n), req)])
        }
        router.put("/v2.0/networks/{id}") { req, ctx in
            let c = try await caller(req)
            var n = try await network(ctx.parameters.get("id") ?? "", for: c)
            let a = try Attributes(try await Self.body(req, resource: "network"), allowed: Self.networkAttributes)
            try NetworkPolicy.require(NetworkPolicy.owns(n.projectID, c), "rule:update_network")
            guard !a.has("tenant_id") && !a.has("project_id") else {
                throw NeutronError.badRequest("Cannot update read-only attribute project_id")
            }
            try apply(a, to: &n, caller: c, creating: false)
            n.updatedAt = Date()
            try await store.saveNetwork(n, insert: false)
            return json(.ok, ["network": try await view(try await network(n.id, for: c))])
        }
        router.delete("/v2.0/networks/{id}") { req, ctx in
            let c = try await caller(req)
            let n = try await network(ctx.parameters.get("id") ?? "", for: c)
            try NetworkPolicy.require(NetworkPolicy.owns(n.projectID, c), "rule:delete_network")
            do { try await store.deleteNetwork(id: n.id) } catch StoreError.conflict(let why) {
                throw NeutronError(.conflict, "NetworkInUse", why)
            }
            return empty(.noContent)
        }
    }

    /// The network if the caller may see it; 404 NetworkNotFound otherwise.
    func network(_ id: String, for c: AuthContext) async throws -> NetworkRecord {
        guard id.count <= 64, let n = try await store.network(id: id), NetworkPolicy.canSee(n, c) else {
            throw NeutronError.networkNotFound(id)
        }
        return n
    }

    func view(_ n: NetworkRecord) async throws -> JSON {
        NeutronViews.network(n, subnets: try await store.subnets(networkIDs: [n.id]).map(\.id))
    }

    /// Sets the body's attributes on a network; `shared` and `router:external` are admin-only (Neutron's
    /// `create_network:shared`, `create_network:router:external`, and their `update_` twins).
    func apply(_ a: Attributes, to n: inout NetworkRecord, caller c: AuthContext, creating: Bool) throws {
        let verb = creating ? "create_network" : "update_network"
        if let v = try a.string("name") { n.name = v }
        if let v = try a.string("description") { n.description = v }
        if let v = try a.bool("admin_state_up") { n.adminStateUp = v }
        if let v = try a.int("mtu", in: 68...9000) { n.mtu = v }
        if let v = try a.bool("port_security_enabled"), !v {
            throw NeutronError.badRequest("port_security_enabled=False is not supported by this Networking service")
        }
        if let v = try a.bool("shared"), v != n.shared {
            try NetworkPolicy.require(c.isAdmin, "rule:\(verb) and rule:\(verb):shared")
            n.shared = v
        }
        if let v = try a.bool("router:external"), v != n.routerExternal {
            try NetworkPolicy.require(c.isAdmin, "rule:\(verb) and rule:\(verb):router:external")
            n.routerExternal = v
        }
    }
}
