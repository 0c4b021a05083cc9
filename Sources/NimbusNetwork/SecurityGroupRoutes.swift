import Foundation
import HTTPTypes
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusStore

extension NetworkAPI {
    func addSecurityGroupRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/v2.0/security-groups") { req, _ in
            let c = try await caller(req)
            // Neutron makes a project's default group the first time the project lists its groups.
            if c.isReader { _ = try await store.ensureDefaultSecurityGroup(project: c.projectID) }
            // An admin listing another project's groups makes that project's default too, as Neutron does.
            let q = Query(req)
            if c.isAdmin, let p = q["tenant_id"] ?? q["project_id"], !p.isEmpty, p.count <= 64, p != c.projectID {
                _ = try await store.ensureDefaultSecurityGroup(project: p)
            }
            let groups = try await store.securityGroups(project: c.isAdmin ? nil : c.projectID).filter { _ in c.isReader }
            return json(.ok, try NeutronListing(collection: "security_groups", limitMax: config.limitMax)
                .page(groups.map(NeutronViews.securityGroup), req, notFound: NeutronError.securityGroupNotFound))
        }
        router.post("/v2.0/security-groups") { req, _ in
            let c = try await caller(req)
            let a = try Attributes(try await Self.body(req, resource: "security_group"),
                                   allowed: ["name", "description", "tenant_id", "project_id", "stateful"])
            try NetworkPolicy.require(c.isMember, "rule:create_security_group")
            let project = try NetworkPolicy.project(a, c)
            let name = try a.string("name") ?? ""
            if name == "default" {
                throw NeutronError(.conflict, "SecurityGroupDefaultAlreadyExists", "Default security group already exists.")
            }
            if let stateful = try a.bool("stateful"), !stateful {
                throw NeutronError.badRequest("Stateless security groups are not supported by this Networking service")
            }
            _ = try await store.ensureDefaultSecurityGroup(project: project)
            let g = SecurityGroupRecord.withDefaultRules(name: name, projectID: project,
                                                         description: try a.string("description") ?? "")
            try await store.createSecurityGroup(g)
            return json(.created, ["security_group": NeutronViews.securityGroup(g)])
        }
        router.get("/v2.0/security-groups/{id}") { req, ctx in
            let c = try await caller(req)
            let g = try await group(ctx.parameters.get("id") ?? "", for: c)
            return json(.ok, ["security_group": NeutronListing.select(NeutronViews.securityGroup(g), req)])
        }
        router.put("/v2.0/security-groups/{id}") { req, ctx in
            let c = try await caller(req)
            let g = try await group(ctx.parameters.get("id") ?? "", for: c)
            try NetworkPolicy.require(NetworkPolicy.owns(g.projectID, c), "rule:update_security_group")
            let a = try Attributes(try await Self.body(req, resource: "security_group"), allowed: ["name", "description"])
            let name = try a.string("name") ?? g.name
            if g.name == "default" && name != "default" {
                throw NeutronError(.conflict, "SecurityGroupCannotUpdateDefault", "Updating default security group not allowed.")
            }
            if name == "default" && g.name != "default" {
                throw NeutronError(.conflict, "SecurityGroupDefaultAlreadyExists", "Default security group already exists.")
            }
            try await store.updateSecurityGroup(id: g.id, name: name, description: try a.string("description") ?? g.description)
            return json(.ok, ["security_group": NeutronViews.securityGroup(try await group(g.id, for: c))])
        }
        router.delete("/v2.0/security-groups/{id}") { req, ctx in
            let c = try await caller(req)
            let g = try await group(ctx.parameters.get("id") ?? "", for: c)
            try NetworkPolicy.require(NetworkPolicy.owns(g.projectID, c), "rule:delete_security_group")
            if g.name == "default" && !c.isAdmin {
                throw NeutronError(.conflict, "SecurityGroupCannotRemoveDefault",
                                   "Insufficient rights for removing default security group.")
            }
            do { try await store.deleteSecurityGroup(id: g.id) } catch StoreError.conflict(let why) {
                throw NeutronError(.conflict, "SecurityGroupInUse", why)
            }
            return empty(.noContent)
        }
        addRuleRoutes(router)
    }

    func addRuleRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/v2.0/security-group-rules") { req, _ in
            let c = try await caller(req)
            let rules = try await store.securityGroupRules(project: c.isAdmin ? nil : c.projectID).filter { _ in c.isReader }
            return json(.ok, try NeutronListing(collection: "security_group_rules", limitMax: config.limitMax)
                .page(rules.map(NeutronViews.rule), req, notFound: NeutronError.ruleNotFound))
        }
        router.post("/v2.0/security-group-rules") { req, _ in
            let c = try await caller(req)
            let a = try Attributes(try await Self.body(req, resource: "security_group_rule"), allowed: RulePlan.attributes)
            guard let gid = try a.string("security_group_id") else {
                throw NeutronError.badRequest("Failed to parse request. Required attribute 'security_group_id' not specified")
            }
            let g = try await group(gid, for: c)
            try NetworkPolicy.require(NetworkPolicy.owns(g.projectID, c), "rule:create_security_group_rule")
            let r = try RulePlan.rule(a, group: g)
            if let remote = r.remoteGroupID { _ = try await group(remote, for: c) }
            do { try await store.addSecurityGroupRule(r) } catch StoreError.conflict(let why) {
                throw NeutronError(.conflict, "SecurityGroupRuleExists", why)
            }
            return json(.created, ["security_group_rule": NeutronViews.rule(r)])
        }
        router.get("/v2.0/security-group-rules/{id}") { req, ctx in
            let c = try await caller(req)
            let r = try await rule(ctx.parameters.get("id") ?? "", for: c)
            return json(.ok, ["security_group_rule": NeutronListing.select(NeutronViews.rule(r), req)])
        }
        router.delete("/v2.0/security-group-rules/{id}") { req, ctx in
            let c = try await caller(req)
            let r = try await rule(ctx.parameters.get("id") ?? "", for: c)
            try NetworkPolicy.require(NetworkPolicy.owns(r.projectID, c), "rule:delete_security_group_rule")
            try await store.deleteSecurityGroupRule(id: r.id)
            return empty(.noContent)
        }
    }

    func group(_ id: String, for c: AuthContext) async throws -> SecurityGroupRecord {
        guard id.count <= 64, let g = try await store.securityGroup(id: id),
              c.isAdmin || (c.isReader && g.projectID == c.projectID) else { throw NeutronError.securityGroupNotFound(id) }
        return g
    }

    func rule(_ id: String, for c: AuthContext) async throws -> SecurityGroupRuleRecord {
        guard id.count <= 64, let r = try await store.securityGroupRule(id: id),
              c.isAdmin || (c.isReader && r.projectID == c.projectID) else { throw NeutronError.ruleNotFound(id) }
        return r
    }
}
