import Foundation
import HTTPTypes
import NimbusJSON
import NimbusStore

/// A security group rule create body checked as Neutron's `_validate_security_group_rule` does.
enum RulePlan {
    static let attributes: Set<String> = [
        "security_group_id", "direction", "ethertype", "protocol", "port_range_min", "port_range_max",
        "remote_ip_prefix", "remote_group_id", "description", "tenant_id", "project_id", "remote_address_group_id",
    ]
    static let protocols: [String: Int] = ["tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "ipv6-icmp": 58, "sctp": 132,
                                           "gre": 47, "esp": 50, "ah": 51, "vrrp": 112, "igmp": 2]

    static func rule(_ a: Attributes, group g: SecurityGroupRecord) throws -> SecurityGroupRuleRecord {
        guard let direction = try a.string("direction"), ["ingress", "egress"].contains(direction) else {
            throw NeutronError.invalid("direction", "direction must be one of [ingress, egress]")
        }
        let ethertype = try a.string("ethertype") ?? "IPv4"
        guard ["IPv4", "IPv6"].contains(ethertype) else {
            throw NeutronError.invalid("ethertype", "'\(ethertype)' is not in [IPv4, IPv6]")
        }
        var proto: String? = nil
        if let v = a.o["protocol"], !v.isNull {
            let text = (v.string ?? v.int.map(String.init) ?? "").lowercased()
            if text == "any" || text.isEmpty && v.string != nil { proto = nil }
            else if protocols[text] != nil || (Int(text).map { (0...255).contains($0) } ?? false) { proto = text }
            else { throw NeutronError(.badRequest, "SecurityGroupRuleInvalidProtocol",
                                      "Security group rule protocol \(v.brief) not supported. Only protocol values "
                                      + "\(protocols.keys.sorted()) and integer representations [0 to 255] are supported.") }
        }
        let minPort = try a.int("port_range_min", in: 0...65535), maxPort = try a.int("port_range_max", in: 0...65535)
        if minPort != nil || maxPort != nil {
            guard let proto else {
                throw NeutronError(.badRequest, "SecurityGroupProtocolRequiredWithPorts",
                                   "Must also specify protocol if port range is given.")
            }
            if ["tcp", "udp", "sctp", "6", "17", "132"].contains(proto) {
                guard let lo = minPort, let hi = maxPort, lo >= 1, lo <= hi else {
                    throw NeutronError(.badRequest, "SecurityGroupInvalidPortRange",
                                       "For TCP/UDP protocols, port_range_min must be <= port_range_max")
                }
            } else if ["icmp", "icmpv6", "ipv6-icmp", "1", "58"].contains(proto) {
                guard (minPort ?? 0) <= 255, (maxPort ?? 0) <= 255, !(minPort == nil && maxPort != nil) else {
                    throw NeutronError(.badRequest, "SecurityGroupInvalidIcmpValue",
                                       "Invalid value for ICMP type/code: must be 0 to 255, and a code needs a type.")
                }
            } else {
                throw NeutronError(.badRequest, "SecurityGroupInvalidProtocolForPort",
                                   "Invalid protocol \(proto) for port range, only supported for TCP, UDP, SCTP and ICMP.")
            }
        }
        var prefix: String? = nil
        if let text = try a.string("remote_ip_prefix", max: 64) {
            guard let net = IPNetwork(text) ?? IPAddress(text).map({ IPNetwork(address: $0, prefix: $0.bits) }) else {
                throw NeutronError.invalid("remote_ip_prefix", "'\(text)' is not a valid IP subnet")
            }
            guard (net.address.version == 4) == (ethertype == "IPv4") else {
                throw NeutronError(.badRequest, "SecurityGroupConflictingEthertype",
                                   "Conflicting value ethertype \(ethertype) for CIDR \(text)")
            }
            prefix = net.description
        }
        let remoteGroup = try a.string("remote_group_id")
        if prefix != nil && remoteGroup != nil {
            throw NeutronError(.badRequest, "SecurityGroupRemoteGroupAndRemoteIpPrefix",
                               "Only remote_ip_prefix or remote_group_id may be provided.")
        }
        if let v = a.o["remote_address_group_id"], !v.isNull {
            throw NeutronError.badRequest("remote_address_group_id is not supported by this Networking service")
        }
        return SecurityGroupRuleRecord(securityGroupID: g.id, projectID: g.projectID, direction: direction,
                                       ethertype: ethertype, proto: proto, portRangeMin: minPort, portRangeMax: maxPort,
                                       remoteIPPrefix: prefix, remoteGroupID: remoteGroup,
                                       description: try a.string("description") ?? "")
    }
}
