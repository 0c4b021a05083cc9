import Foundation
import HTTPTypes
import NimbusJSON
import NimbusStore

/// A subnet create body checked and completed as Neutron does: the CIDR must match `ip_version` and have
/// no host bits; the gateway defaults to the first address (`null` means none); allocation pools default to
/// every usable address but the gateway; pools must lie in the CIDR, not overlap, and not hold the gateway.
struct SubnetPlan {
    var net: IPNetwork
    var gateway: IPAddress?
    var pools: [IPRange]
    var enableDHCP: Bool
    var dns: [String]

    init(_ a: Attributes, maxDNS: Int) throws {
        guard let cidrText = try a.string("cidr", max: 64) else {
            throw NeutronError.badRequest("Bad subnets request: a subnetpool must be specified in the absence of a cidr.")
        }
        guard let net = IPNetwork(cidrText) else { throw NeutronError.invalid("cidr", "'\(cidrText)' is not a valid IP subnet") }
        guard net.isCanonical else {
            throw NeutronError.invalid("cidr", "'\(cidrText)' isn't a recognized IP subnet cidr, '\(net)' is recommended")
        }
        let version = try a.int("ip_version", in: 4...6) ?? net.address.version
        guard version == 4 || version == 6 else { throw NeutronError.invalid("ip_version", "\(version) is not in [4, 6]") }
        guard version == net.address.version else {
            throw NeutronError(.badRequest, "InvalidInput", "Invalid input for operation: Cidr \(cidrText) does not match "
                               + "IP version \(version).")
        }
        guard net.prefix <= net.address.bits - 2 else {
            throw NeutronError.invalid("cidr", "'\(cidrText)' has no room for addresses (prefix up to /\(net.address.bits - 2))")
        }
        self.net = net
        if a.has("gateway_ip") { gateway = try Self.gateway(a, net) } else { gateway = net.first.adding(1) }
        pools = []
        enableDHCP = try a.bool("enable_dhcp") ?? true
        dns = try Self.nameservers(a, max: maxDNS) ?? []
        pools = try Self.pools(a, net, gateway) ?? Self.defaultPools(net, gateway)
        if let rules = try a.list("host_routes", max: 0), !rules.isEmpty { throw NeutronError.badRequest("host_routes are not supported") }
        for k in ["ipv6_ra_mode", "ipv6_address_mode", "subnetpool_id"] where try a.string(k) != nil {
            throw NeutronError.badRequest("\(k) is not supported by this Networking service")
        }
    }

    func subnet(network: String, project: String) -> SubnetRecord {
        SubnetRecord(networkID: network, projectID: project, ipVersion: net.address.version, cidr: net.description,
                     gatewayIP: gateway?.description, allocationPools: pools, enableDHCP: enableDHCP, dnsNameservers: dns)
    }

    /// An update: name, description, DHCP, DNS servers, gateway and pools (re-checked together).
    static func update(_ s: inout SubnetRecord, _ a: Attributes, maxDNS: Int) throws {
        guard let net = IPNetwork(s.cidr) else { throw NeutronError.badRequest("stored cidr \(s.cidr) is invalid") }
        if let v = try a.string("name") { s.name = v }
        if let v = try a.string("description") { s.description = v }
        if let v = try a.bool("enable_dhcp") { s.enableDHCP = v }
        if let v = try nameservers(a, max: maxDNS) { s.dnsNameservers = v }
        let gateway = a.has("gateway_ip") ? try Self.gateway(a, net) : s.gatewayIP.flatMap(IPAddress.init)
        let pools = try Self.pools(a, net, gateway) ?? s.allocationPools
        try check(pools, net, gateway)
        s.gatewayIP = gateway?.description
        s.allocationPools = pools
    }

    static func gateway(_ a: Attributes, _ net: IPNetwork) throws -> IPAddress? {
        guard let text = try a.string("gateway_ip", max: 64) else { return nil }
        guard let ip = IPAddress(text), net.contains(ip),
              net.address.version == 6 || (ip != net.first && ip != net.last) else {
            throw NeutronError(.badRequest, "InvalidInput", "Invalid input for operation: Gateway is not valid on subnet.")
        }
        return ip
    }

    static func nameservers(_ a: Attributes, max: Int) throws -> [String]? {
        guard let list = try a.list("dns_nameservers", max: max) else { return nil }
        var out: [String] = []
        for v in list {
            guard let s = v.string, let ip = IPAddress(s) else {
                throw NeutronError.invalid("dns_nameservers", "\(v.brief) is not a valid nameserver")
            }
            guard !out.contains(ip.description) else {
                throw NeutronError.invalid("dns_nameservers", "Duplicate nameserver '\(s)'")
            }
            out.append(ip.description)
        }
        return out
    }

    static func pools(_ a: Attributes, _ net: IPNetwork, _ gateway: IPAddress?) throws -> [IPRange]? {
        guard let list = try a.list("allocation_pools", max: 64) else { return nil }
        var out: [IPRange] = []
        for v in list {
            guard let s = v["start"]?.string, let e = v["end"]?.string, let start = IPAddress(s), let end = IPAddress(e),
                  start.version == net.address.version, end.version == net.address.version, start <= end else {
                throw NeutronError.invalid("allocation_pools", "\(v.brief) is not a valid allocation pool")
            }
            out.append(IPRange(start: start.description, end: end.description))
        }
        try check(out, net, gateway)
        return out
    }

    /// Pools inside the usable part of the CIDR, disjoint, and not holding the gateway.
    static func check(_ pools: [IPRange], _ net: IPNetwork, _ gateway: IPAddress?) throws {
        let ranges = pools.compactMap { p in IPAddress(p.start).flatMap { s in IPAddress(p.end).map { (s, $0, p) } } }
        for (s, e, p) in ranges {
            let low = net.address.version == 4 ? net.first.adding(1) : net.first
            let high = net.address.version == 4 ? IPAddress(version: 4, value: net.last.value - 1) : net.last
            guard s >= low, e <= high else {
                throw NeutronError(.badRequest, "OutOfBoundsAllocationPool",
                                   "The allocation pool \(p.start)-\(p.end) spans beyond the subnet cidr \(net).")
            }
            if let g = gateway, s <= g, g <= e {
                throw NeutronError(.conflict, "GatewayConflictWithAllocationPools",
                                   "Gateway ip \(g) conflicts with allocation pool \(p.start)-\(p.end).")
            }
        }
        let sorted = ranges.sorted { $0.0 < $1.0 }
        for (x, y) in zip(sorted, sorted.dropFirst()) where y.0 <= x.1 {
            throw NeutronError(.conflict, "OverlappingAllocationPools",
                               "Found overlapping allocation pools: \(x.2.start)-\(x.2.end) and \(y.2.start)-\(y.2.end) for "
                               + "subnet \(net).")
        }
    }

    /// Every usable address but the gateway: IPv4 without its network and broadcast addresses, IPv6 without
    /// its subnet-router anycast (the first) address.
    static func defaultPools(_ net: IPNetwork, _ gateway: IPAddress?) -> [IPRange] {
        let start = net.first.adding(1)
        let end = net.address.version == 4 ? IPAddress(version: 4, value: net.last.value - 1) : net.last
        guard let g = gateway, start <= g, g <= end else { return [IPRange(start: start.description, end: end.description)] }
        var out: [IPRange] = []
        if start < g { out.append(IPRange(start: start.description, end: IPAddress(version: g.version, value: g.value - 1).description)) }
        if g < end { out.append(IPRange(start: g.adding(1).description, end: end.description)) }
        return out
    }
}
