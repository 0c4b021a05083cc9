import Foundation
import NimbusJSON

/// The OpenStack tree's JSON documents (`InstanceMetadata._metadata_as_json`, `netutils.get_network_metadata`).
extension MetadataSource {
    /// `meta_data.json` as `version` shows it. `configDrive` adds what only the drive carries (`admin_pass`).
    public func metaDataJSON(version: String, configDrive: Bool = false) -> JSON {
        func since(_ v: String) -> Bool { MetadataVersions.openstack(version, atLeast: v) ?? false }
        var md: [String: JSON] = ["uuid": .string(uuid.uuidString.lowercased())]
        if !meta.isEmpty { md["meta"] = .object(meta.mapValues(JSON.string)) }
        if configDrive, let adminPass { md["admin_pass"] = .string(adminPass) }
        if let first = keys.first {
            md["public_keys"] = [first.name: .string(first.data)]
            md["keys"] = .array(keys.map { ["name": .string($0.name), "type": .string($0.type), "data": .string($0.data)] })
        }
        md["hostname"] = .string(hostname)
        md["name"] = .string(name)
        md["launch_index"] = .int(launchIndex)
        md["availability_zone"] = .optional(availabilityZone)
        if since(MetadataVersions.grizzly) {
            var seed = [UInt8](repeating: 0, count: 512)
            var rng = SystemRandomNumberGenerator()
            for i in seed.indices { seed[i] = UInt8.random(in: 0...255, using: &rng) }
            md["random_seed"] = .string(Data(seed).base64EncodedString())
        }
        if since(MetadataVersions.liberty) { md["project_id"] = .string(projectID) }
        // Nova lists only tagged devices; we record no device tags yet, so the list is empty.
        if since(MetadataVersions.newtonOne) { md["devices"] = [] }
        if since(MetadataVersions.victoria) { md["dedicated_cpus"] = [] }
        return .object(md)
    }

    /// `network_data.json`: a link per VIF, a network for each VIF's first IPv4 and first IPv6 subnet, and the
    /// de-duplicated DNS servers. `{}` when the instance has no network (Nova's handler).
    public func networkDataJSON() -> JSON {
        var links: [JSON] = [], networks: [JSON] = [], services: [JSON] = []
        var seenDNS: [String] = []
        for vif in vifs where !vif.subnets.isEmpty {
            let linkID = "tap" + vif.portID.prefix(11)
            let known = ["bridge", "dvs", "hw_veb", "hyperv", "ovs", "tap", "vhostuser", "vif"]
            // The guest learns the MTU from DHCP when a subnet has it (Nova gives null then).
            let mtu: JSON = vif.subnets.contains(where: \.dhcp) ? .null : .optional(vif.mtu)
            links.append(["id": .string(linkID), "vif_id": .string(vif.portID),
                          "type": .string(known.contains(vif.vifType) ? vif.vifType : "phy"), "mtu": mtu,
                          "ethernet_mac_address": .string(vif.macAddress)])
            for version in [4, 6] {
                guard let subnet = vif.subnets.first(where: { $0.ipVersion == version }) else { continue }
                networks.append(network(vif, subnet, id: "network\(networks.count)", link: linkID))
                for dns in subnet.dnsNameservers where !seenDNS.contains(dns) {
                    seenDNS.append(dns)
                    services.append(["type": "dns", "address": .string(dns)])
                }
            }
        }
        if links.isEmpty { return [:] }
        return ["links": .array(links), "networks": .array(networks), "services": .array(services)]
    }

    private func network(_ vif: VIF, _ subnet: Subnet, id: String, link: String) -> JSON {
        var net: [String: JSON] = ["id": .string(id), "link": .string(link), "network_id": .string(vif.networkID)]
        guard !subnet.dhcp, let ip = subnet.ips.first else {
            net["type"] = .string("ipv\(subnet.ipVersion)_dhcp")
            return .object(net)
        }
        net["type"] = .string("ipv\(subnet.ipVersion)")
        net["ip_address"] = .string(ip)
        net["netmask"] = .optional(Netmask.of(cidr: subnet.cidr))
        let any = subnet.ipVersion == 4 ? "0.0.0.0" : "::"
        net["routes"] = .array(subnet.gateway.map {
            [["network": .string(any), "netmask": .string(any), "gateway": .string($0)]] } ?? [])
        if !subnet.dnsNameservers.isEmpty {
            net["services"] = .array(subnet.dnsNameservers.map { ["type": "dns", "address": .string($0)] })
        }
        return .object(net)
    }

    /// `vendor_data.json`: the StaticJSON provider's content; no `[api] vendordata_jsonfile_path` → `{}`.
    public static let vendorDataJSON: JSON = [:]
    /// `vendor_data2.json`: `{"static": <StaticJSON>}` with no dynamic targets.
    public static let vendorData2JSON: JSON = ["static": [:]]
}

/// Dotted netmasks for a CIDR's prefix length.
enum Netmask {
    static func of(cidr: String) -> String? {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let len = Int(parts[1]) else { return nil }
        if parts[0].contains(":") {
            guard (0...128).contains(len) else { return nil }
            var groups: [String] = []
            for g in 0..<8 {
                let bits = max(0, min(16, len - g * 16))
                let v = bits == 0 ? 0 : (0xFFFF << (16 - bits)) & 0xFFFF
                groups.append(String(v, radix: 16))
            }
            // Compress the trailing zero groups as Python's netaddr prints them (`ffff:ffff:ffff:ffff::`).
            while groups.count > 1, groups.last == "0", groups[groups.count - 2] == "0" { groups.removeLast() }
            if groups.last == "0" { groups.removeLast(); return groups.isEmpty ? "::" : groups.joined(separator: ":") + "::" }
            return groups.joined(separator: ":")
        }
        guard (0...32).contains(len) else { return nil }
        let mask: UInt32 = len == 0 ? 0 : UInt32.max << (32 - UInt32(len))
        return [24, 16, 8, 0].map { String((mask >> UInt32($0)) & 0xFF) }.joined(separator: ".")
    }
}
