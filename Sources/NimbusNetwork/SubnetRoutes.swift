import Foundation
import HTTPTypes
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusStore

extension NetworkAPI {
    static let subnetAttributes: Set<String> = [
        "name", "description", "network_id", "ip_version", "cidr", "gateway_ip", "allocation_pools", "enable_dhcp",
        "dns_nameservers", "host_routes", "ipv6_ra_mode", "ipv6_address_mode", "tenant_id", "project_id",
        "subnetpool_id", "service_types", "use_default_subnetpool",
    ]

    func addSubnetRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/v2.0/subnets") { req, _ in
            let c = try await caller(req)
            let nets = try await store.networks(visibleTo: c.isAdmin ? nil : c.projectID)
            let byID = Dictionary(uniqueKeysWithValues: nets.map { ($0.id, $0) })
            let subnets = try await store.subnets(networkIDs: nets.map(\.id))
                .filter { s in byID[s.networkID].map { canSee(s, $0, c) } ?? false }
                .sorted { $0.id < $1.id }
            return json(.ok, try NeutronListing(collection: "subnets", limitMax: config.limitMax)
                .page(subnets.map(NeutronViews.subnet), req, notFound: NeutronError.subnetNotFound))
        }
        router.post("/v2.0/subnets") { req, _ in
            let c = try await caller(req)
            let a = try Attributes(try await Self.body(req, resource: "subnet"), allowed: Self.subnetAttributes)
            guard let netID = try a.string("network_id") else {
                throw NeutronError.badRequest("Failed to parse request. Required attribute 'network_id' not specified")
            }
            let n = try await network(netID, for: c)
            try NetworkPolicy.require(NetworkPolicy.owns(n.projectID, c), "rule:create_subnet")
            var s = try SubnetPlan(a, maxDNS: config.maxDNSNameservers).subnet(network: n.id,
                                                                               project: try NetworkPolicy.project(a, c))
            if let v = try a.string("name") { s.name = v }
            if let v = try a.string("description") { s.description = v }
            do { try await store.createSubnet(s) } catch StoreError.conflict(let why) {
                throw NeutronError(.badRequest, "InvalidInput", why)
            }
            return json(.created, ["subnet": NeutronViews.subnet(s)])
        }
        router.get("/v2.0/subnets/{id}") { req, ctx in
            let c = try await caller(req)
            let s = try await subnet(ctx.parameters.get("id") ?? "", for: c)
            return json(.ok, ["subnet": NeutronListing.select(NeutronViews.subnet(s.0), req)])
        }
        router.put("/v2.0/subnets/{id}") { req, ctx in
            let c = try await caller(req)
            var (s, n) = try await subnet(ctx.parameters.get("id") ?? "", for: c)
            try NetworkPolicy.require(NetworkPolicy.owns(n.projectID, c) || NetworkPolicy.owns(s.projectID, c),
                                      "rule:update_subnet")
            let a = try Attributes(try await Self.body(req, resource: "subnet"),
                                   allowed: ["name", "description", "gateway_ip", "allocation_pools", "enable_dhcp",
                                             "dns_nameservers"])
            try SubnetPlan.update(&s, a, maxDNS: config.maxDNSNameservers)
            s.updatedAt = Date()
            try await store.updateSubnet(s)
            return json(.ok, ["subnet": NeutronViews.subnet(try await subnet(s.id, for: c).0)])
        }
        router.delete("/v2.0/subnets/{id}") { req, ctx in
            let c = try await caller(req)
            let (s, n) = try await subnet(ctx.parameters.get("id") ?? "", for: c)
            try NetworkPolicy.require(NetworkPolicy.owns(n.projectID, c) || NetworkPolicy.owns(s.projectID, c),
                                      "rule:delete_subnet")
            do { try await store.deleteSubnet(id: s.id) } catch StoreError.conflict(let why) {
                throw NeutronError(.conflict, "SubnetInUse", why)
            }
            return empty(.noContent)
        }
    }

    /// Subnets of shared and external networks are everyone's to see; others their project's and the
    /// network owner's.
    func canSee(_ s: SubnetRecord, _ n: NetworkRecord, _ c: AuthContext) -> Bool {
        NetworkPolicy.canSee(n, c) && (c.isAdmin || n.shared || n.routerExternal
            || (c.isReader && (s.projectID == c.projectID || n.projectID == c.projectID)))
    }

    func subnet(_ id: String, for c: AuthContext) async throws -> (SubnetRecord, NetworkRecord) {
        guard id.count <= 64, let s = try await store.subnet(id: id), let n = try await store.network(id: s.networkID),
              canSee(s, n, c) else { throw NeutronError.subnetNotFound(id) }
        return (s, n)
    }
}
