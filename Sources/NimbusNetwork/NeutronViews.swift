import Foundation
import HTTPTypes
import NimbusJSON
import NimbusStore

/// Records as Neutron shows them (field names of the v2.0 API, `tenant_id` beside `project_id`).
enum NeutronViews {
    static func common(id: String, project: String, description: String, revision: Int, created: Date,
                       updated: Date) -> [String: JSON] {
        ["id": .string(id), "tenant_id": .string(project), "project_id": .string(project),
         "description": .string(description), "revision_number": .int(revision), "tags": [],
         "created_at": .string(NeutronTime.format(created)), "updated_at": .string(NeutronTime.format(updated))]
    }

    static func network(_ n: NetworkRecord, subnets: [String]) -> JSON {
        var o = common(id: n.id, project: n.projectID, description: n.description, revision: n.revision,
                       created: n.createdAt, updated: n.updatedAt)
        o["name"] = .string(n.name)
        o["admin_state_up"] = .bool(n.adminStateUp)
        o["status"] = "ACTIVE"
        o["subnets"] = .array(subnets.map(JSON.string))
        o["shared"] = .bool(n.shared)
        o["router:external"] = .bool(n.routerExternal)
        o["mtu"] = .int(n.mtu)
        o["port_security_enabled"] = true
        o["availability_zone_hints"] = []
        o["availability_zones"] = ["nova"]
        o["ipv4_address_scope"] = .null
        o["ipv6_address_scope"] = .null
        o["l2_adjacency"] = true
        return .object(o)
    }

    static func subnet(_ s: SubnetRecord) -> JSON {
        var o = common(id: s.id, project: s.projectID, description: s.description, revision: s.revision,
                       created: s.createdAt, updated: s.updatedAt)
        o["name"] = .string(s.name)
        o["network_id"] = .string(s.networkID)
        o["ip_version"] = .int(s.ipVersion)
        o["cidr"] = .string(s.cidr)
        o["gateway_ip"] = .optional(s.gatewayIP)
        o["allocation_pools"] = .array(s.allocationPools.map { ["start": .string($0.start), "end": .string($0.end)] })
        o["enable_dhcp"] = .bool(s.enableDHCP)
        o["dns_nameservers"] = .array(s.dnsNameservers.map(JSON.string))
        o["host_routes"] = []
        o["ipv6_ra_mode"] = .null
        o["ipv6_address_mode"] = .null
        o["subnetpool_id"] = .null
        o["service_types"] = []
        return .object(o)
    }

    /// A port; the `binding:` attributes other than `vnic_type` only for admins (Neutron's default policy).
    static func port(_ p: PortRecord, admin: Bool) -> JSON {
        var o = common(id: p.id, project: p.projectID, description: p.description, revision: p.revision,
                       created: p.createdAt, updated: p.updatedAt)
        o["name"] = .string(p.name)
        o["network_id"] = .string(p.networkID)
        o["mac_address"] = .string(p.macAddress)
        o["admin_state_up"] = .bool(p.adminStateUp)
        o["status"] = .string(p.status)
        o["device_id"] = .string(p.deviceID)
        o["device_owner"] = .string(p.deviceOwner)
        o["fixed_ips"] = .array(p.fixedIPs.map { ["subnet_id": .string($0.subnetID), "ip_address": .string($0.ipAddress)] })
        o["security_groups"] = .array(p.securityGroups.map(JSON.string))
        o["port_security_enabled"] = .bool(p.portSecurityEnabled)
        o["allowed_address_pairs"] = []
        o["extra_dhcp_opts"] = []
        o["ip_allocation"] = "immediate"
        o["binding:vnic_type"] = "normal"
        if admin {
            o["binding:host_id"] = .string(p.bindingHostID)
            o["binding:vif_type"] = .string(p.bindingVifType)
            o["binding:vif_details"] = .object(p.bindingVifDetails.mapValues { v in
                v == "true" ? .bool(true) : v == "false" ? .bool(false) : .string(v)
            })
            o["binding:profile"] = [:]
        }
        return .object(o)
    }

    static func rule(_ r: SecurityGroupRuleRecord) -> JSON {
        var o = common(id: r.id, project: r.projectID, description: r.description, revision: 0, created: r.createdAt,
                       updated: r.createdAt)
        o["security_group_id"] = .string(r.securityGroupID)
        o["direction"] = .string(r.direction)
        o["ethertype"] = .string(r.ethertype)
        o["protocol"] = .optional(r.proto)
        o["port_range_min"] = .optional(r.portRangeMin)
        o["port_range_max"] = .optional(r.portRangeMax)
        o["remote_ip_prefix"] = .optional(r.remoteIPPrefix)
        o["remote_group_id"] = .optional(r.remoteGroupID)
        o["remote_address_group_id"] = .null
        o["normalized_cidr"] = .optional(r.remoteIPPrefix.flatMap { IPNetwork($0)?.description })
        return .object(o)
    }

    static func securityGroup(_ g: SecurityGroupRecord) -> JSON {
        var o = common(id: g.id, project: g.projectID, description: g.description, revision: 0, created: g.createdAt,
                       updated: g.updatedAt)
        o["name"] = .string(g.name)
        o["stateful"] = .bool(g.stateful)
        o["shared"] = false
        o["security_group_rules"] = .array(g.rules.map(rule))
        return .object(o)
    }
}
