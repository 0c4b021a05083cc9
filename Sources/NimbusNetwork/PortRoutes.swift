import Foundation
import HTTPTypes
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusStore

extension NetworkAPI {
    static let portAttributes: Set<String> = [
        "name", "description", "network_id", "admin_state_up", "mac_address", "fixed_ips", "device_id", "device_owner",
        "binding:host_id", "binding:vnic_type", "binding:profile", "security_groups", "port_security_enabled",
        "tenant_id", "project_id", "allowed_address_pairs",
    ]

    func addPortRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/v2.0/ports") { req, _ in
            let c = try await caller(req)
            let ports = try await store.ports(visibleTo: c.isAdmin ? nil : c.projectID)
            let views = ports.filter { _ in c.isReader }.map { NeutronViews.port($0, admin: c.isAdmin) }
            return json(.ok, try NeutronListing(collection: "ports", limitMax: config.limitMax)
                .page(views, req, notFound: NeutronError.portNotFound))
        }
        router.post("/v2.0/ports") { req, _ in
            let c = try await caller(req)
            let a = try Attributes(try await Self.body(req, resource: "port"), allowed: Self.portAttributes)
            guard let netID = try a.string("network_id") else {
                throw NeutronError.badRequest("Failed to parse request. Required attribute 'network_id' not specified")
            }
            let n = try await network(netID, for: c)
            let netOwner = NetworkPolicy.owns(n.projectID, c)
            try NetworkPolicy.require(c.isMember && (netOwner || n.shared), "rule:create_port")
            var p = PortRecord(networkID: n.id, projectID: try NetworkPolicy.project(a, c))
            if let mac = try a.string("mac_address", max: 17) {
                try NetworkPolicy.require(netOwner, "rule:create_port and rule:create_port:mac_address")
                guard Self.isMAC(mac) else { throw NeutronError.invalid("mac_address", "'\(mac)' is not a valid MAC address") }
                p.macAddress = mac.lowercased()
            }
            let requests = try fixedIPRequests(a)
            if requests?.contains(where: { $0.ipAddress != nil }) == true {
                try NetworkPolicy.require(netOwner, "rule:create_port and rule:create_port:fixed_ips:ip_address")
            }
            try await apply(a, to: &p, caller: c, networkOwner: netOwner, creating: true)
            let created = try await store.createPort(p, requests: requests)
            return json(.created, ["port": NeutronViews.port(created, admin: c.isAdmin)])
        }
        router.get("/v2.0/ports/{id}") { req, ctx in
            let c = try await caller(req)
            let p = try await port(ctx.parameters.get("id") ?? "", for: c)
            return json(.ok, ["port": NeutronListing.select(NeutronViews.port(p.0, admin: c.isAdmin), req)])
        }
        router.put("/v2.0/ports/{id}") { req, ctx in
            let c = try await caller(req)
            var (p, n) = try await port(ctx.parameters.get("id") ?? "", for: c)
            let netOwner = NetworkPolicy.owns(n.projectID, c)
            try NetworkPolicy.require(NetworkPolicy.owns(p.projectID, c) || netOwner, "rule:update_port")
            let a = try Attributes(try await Self.body(req, resource: "port"),
                                   allowed: Self.portAttributes.subtracting(["network_id", "tenant_id", "project_id"]))
            if a.has("fixed_ips") || a.has("mac_address") {
                throw NeutronError.badRequest("Changing fixed_ips or mac_address of a port is not supported by this "
                                              + "Networking service; delete and recreate the port")
            }
            try await apply(a, to: &p, caller: c, networkOwner: netOwner, creating: false)
            p.updatedAt = Date()
            try await store.updatePort(p)
            return json(.ok, ["port": NeutronViews.port(try await port(p.id, for: c).0, admin: c.isAdmin)])
        }
        router.delete("/v2.0/ports/{id}") { req, ctx in
            let c = try await caller(req)
            let (p, n) = try await port(ctx.parameters.get("id") ?? "", for: c)
            try NetworkPolicy.require(NetworkPolicy.owns(p.projectID, c) || NetworkPolicy.owns(n.projectID, c),
                                      "rule:delete_port")
            try await store.deletePort(id: p.id)
            return empty(.noContent)
        }
    }

    /// A port its project's readers, its network's owner and admins may see; 404 PortNotFound otherwise.
    func port(_ id: String, for c: AuthContext) async throws -> (PortRecord, NetworkRecord) {
        guard id.count <= 64, let p = try await store.port(id: id), let n = try await store.network(id: p.networkID),
              c.isAdmin || (c.isReader && (p.projectID == c.projectID || n.projectID == c.projectID)) else {
            throw NeutronError.portNotFound(id)
        }
        return (p, n)
    }

    static func isMAC(_ s: String) -> Bool {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 6 && parts.allSatisfy { $0.count == 2 && UInt8($0, radix: 16) != nil }
            && s.lowercased() != "00:00:00:00:00:00" && (UInt8(parts[0], radix: 16) ?? 1) & 1 == 0
    }

    /// `fixed_ips` of a create body: nil when absent (the store picks), each entry a subnet, an address or both.
    func fixedIPRequests(_ a: Attributes) throws -> [FixedIPRequest]? {
        guard let list = try a.list("fixed_ips", max: config.maxFixedIPs) else { return nil }
        return try list.map { v in
            guard let o = v.object, Set(o.keys).isSubset(of: ["subnet_id", "ip_address"]), !o.isEmpty else {
                throw NeutronError.invalid("fixed_ips", "\(v.brief) is not a valid fixed IP request")
            }
            let subnet = o["subnet_id"]?.string, ip = o["ip_address"]?.string
            guard (o["subnet_id"] == nil || subnet != nil) && (o["ip_address"] == nil || ip.flatMap(IPAddress.init) != nil),
                  (subnet?.count ?? 0) <= 64 else {
                throw NeutronError.invalid("fixed_ips", "\(v.brief) is not a valid fixed IP request")
            }
            return FixedIPRequest(subnetID: subnet, ipAddress: ip)
        }
    }

    /// The mutable attributes. Bindings are admin-only; `network:` owners only for the network's owner; a
    /// port with port security gets the project's `default` group unless it names groups (of its project).
    /// With no agent to wire it, a port bound to a host is reported ACTIVE with `binding:vif_type` tap.
    func apply(_ a: Attributes, to p: inout PortRecord, caller c: AuthContext, networkOwner: Bool, creating: Bool) async throws {
        let verb = creating ? "create_port" : "update_port"
        if let v = try a.string("name") { p.name = v }
        if let v = try a.string("description") { p.description = v }
        if let v = try a.bool("admin_state_up") { p.adminStateUp = v }
        if let v = try a.string("device_id") { p.deviceID = v }
        if let v = try a.string("device_owner") {
            if v.hasPrefix("network:") { try NetworkPolicy.require(networkOwner, "rule:\(verb):device_owner") }
            p.deviceOwner = v
        }
        if let v = try a.string("binding:vnic_type"), v != "normal" {
            throw NeutronError.invalid("binding:vnic_type", "'\(v)' is not supported (only normal)")
        }
        if let v = a.o["binding:profile"], !v.isNull, v.object?.isEmpty != true {
            try NetworkPolicy.require(c.isAdmin, "rule:\(verb):binding:profile")
        }
        if let pairs = try a.list("allowed_address_pairs", max: 0), !pairs.isEmpty {
            throw NeutronError.badRequest("allowed_address_pairs are not supported")
        }
        if a.has("binding:host_id") {
            try NetworkPolicy.require(c.isAdmin, "rule:\(verb):binding:host_id")
            p.bindingHostID = try a.string("binding:host_id") ?? ""
            p.bindingVifType = p.bindingHostID.isEmpty ? "unbound" : "tap"
            p.bindingVifDetails = p.bindingHostID.isEmpty ? [:] : ["port_filter": "false"]
            p.status = p.bindingHostID.isEmpty ? "DOWN" : "ACTIVE"
        }
        if let v = try a.bool("port_security_enabled") { p.portSecurityEnabled = v }
        if let groups = try a.list("security_groups", max: 64) {
            var ids: [String] = []
            for g in groups {
                guard let id = g.string, id.count <= 64, let sg = try await store.securityGroup(id: id),
                      c.isAdmin || sg.projectID == p.projectID else {
                    throw NeutronError.securityGroupNotFound(g.string ?? g.brief)
                }
                if !ids.contains(sg.id) { ids.append(sg.id) }
            }
            p.securityGroups = ids
        } else if creating && p.portSecurityEnabled && !p.deviceOwner.hasPrefix("network:") {
            p.securityGroups = [try await store.ensureDefaultSecurityGroup(project: p.projectID).id]
        }
        if !p.portSecurityEnabled && !p.securityGroups.isEmpty {
            throw NeutronError(.conflict, "PortSecurityAndIPRequiredForSecurityGroups",
                               "Port security must be enabled and port must have an IP address in order to use "
                               + "security groups.")
        }
    }
}
