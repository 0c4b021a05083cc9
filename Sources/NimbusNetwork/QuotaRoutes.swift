import Foundation
import HTTPTypes
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusStore

/// `GET /v2.0/quotas/<project>` (and `/default`, `/details.json`), as `openstack quota show` and Nova's port
/// check read them. This service enforces no quotas, so every limit is -1 (unlimited), which is what Neutron
/// answers for a resource without a limit; `details.json` adds what the project uses.
extension NetworkAPI {
    static let quotaResources = ["network", "subnet", "port", "router", "floatingip", "security_group",
                                 "security_group_rule", "rbac_policy", "subnetpool"]

    func addQuotaRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/v2.0/quotas/{project}") { req, ctx in
            try await json(.ok, ["quota": quotas(req, ctx, details: false)])
        }
        router.get("/v2.0/quotas/{project}/default") { req, ctx in
            try await json(.ok, ["quota": quotas(req, ctx, details: false)])
        }
        router.get("/v2.0/quotas/{project}/details.json") { req, ctx in
            try await json(.ok, ["quota": quotas(req, ctx, details: true)])
        }
    }

    func quotas(_ req: Request, _ ctx: BasicRequestContext, details: Bool) async throws -> JSON {
        let c = try await caller(req)
        let project = ctx.parameters.get("project") ?? ""
        try NetworkPolicy.require(c.isAdmin || (c.isReader && project == c.projectID), "rule:get_quota")
        guard details else { return .object(Dictionary(uniqueKeysWithValues: Self.quotaResources.map { ($0, JSON.int(-1)) })) }
        let used: [String: Int] = [
            "network": try await store.networks(visibleTo: nil).filter { $0.projectID == project }.count,
            "subnet": try await store.subnets().filter { $0.projectID == project }.count,
            "port": try await store.ports(visibleTo: nil).filter { $0.projectID == project }.count,
            "security_group": try await store.securityGroups(project: project).count,
            "security_group_rule": try await store.securityGroupRules(project: project).count,
        ]
        return .object(Dictionary(uniqueKeysWithValues: Self.quotaResources.map {
            ($0, ["limit": -1, "used": .int(used[$0] ?? 0), "reserved": 0] as JSON)
        }))
    }
}
