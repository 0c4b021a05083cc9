import Foundation
import Logging
import NeutronClient
import NimbusJSON
import NimbusKernel

/// The compute's side of the data plane (Nova's VIF plugging plus what Neutron's L2 agent does on a host):
/// reads an instance's ports, their network's IPv4 subnet and their security groups from the Networking API
/// (built-in or external alike), has the network backend plug them before the guest starts, unplugs them after
/// it is destroyed, and keeps their firewall in step with the groups' rules.
struct NetworkPlumbing: Sendable {
    let backend: any NetworkBackend
    let neutron: NeutronClient
    let logger: Logger
    /// Bounds on what one answer may make us do.
    static let maxPorts = 64, maxRules = 1000, maxMembers = 4096

    /// Plugs every port of the instance that has an IPv4 address; returns where each guest NIC goes.
    func plug(_ instance: UUID) async throws -> [PluggedVIF] {
        let ports = try await neutron.send("GET", "/ports?device_id=\(instance.uuidString.lowercased())")["ports"]?.array ?? []
        var networks: [String: (HostNetwork, String)?] = [:]
        var vifs: [PluggedVIF] = []
        for port in ports.prefix(Self.maxPorts) {
            guard let id = port["id"]?.string, let netID = port["network_id"]?.string,
                  let mac = port["mac_address"]?.string else { continue }
            if networks[netID] == nil { networks[netID] = .some(try await hostNetwork(netID)) }
            guard let (network, subnet) = networks[netID] ?? nil else { continue }
            let ips = (port["fixed_ips"]?.array ?? []).filter { $0["subnet_id"]?.string == subnet }
                .compactMap { $0["ip_address"]?.string }
            let (security, rules) = try await firewall(port)
            vifs.append(try await backend.plug(HostPort(id: id, instance: instance, macAddress: mac, fixedIPs: ips,
                                                        network: network, portSecurity: security, rules: rules)))
        }
        return vifs
    }

    func unplug(_ instance: UUID) async {
        do { try await backend.unplug(instance: instance) } catch {
            logger.warning("cannot unplug the instance's ports: \(error)", metadata: ["instance": "\(instance)"])
        }
    }

    /// Re-reads each plugged port's groups and applies what changed (the L2 agent's firewall refresh).
    func refreshFirewalls() async throws {
        for plugged in await backend.pluggedPorts() {
            do {
                let port = try await neutron.send("GET", "/ports/\(plugged.id)")["port"] ?? .null
                let (security, rules) = try await firewall(port)
                try await backend.applyRules(portID: plugged.id, rules: rules, portSecurity: security)
            } catch let e as NeutronFailure where e.status == 404 {
                continue  // deleted meanwhile: the instance's unplug removes it
            }
        }
    }

    /// The network's first IPv4 subnet (the data plane serves IPv4), and that subnet's id; nil without one.
    func hostNetwork(_ id: String) async throws -> (HostNetwork, String)? {
        let subnets = try await neutron.send("GET", "/subnets?network_id=\(NeutronClient.q(id))")["subnets"]?.array ?? []
        guard let s = subnets.first(where: { $0["ip_version"]?.int == 4 }), let cidr = s["cidr"]?.string,
              let subnetID = s["id"]?.string else { return nil }
        let mtu = try await neutron.send("GET", "/networks/\(NeutronClient.q(id))")["network"]?["mtu"]?.int
        return (HostNetwork(id: id, cidr: cidr, gatewayIP: s["gateway_ip"]?.string, enableDHCP: s["enable_dhcp"]?.bool ?? true,
                            dnsNameservers: (s["dns_nameservers"]?.array ?? []).compactMap(\.string), mtu: mtu), subnetID)
    }

    /// The port's `port_security_enabled` and its groups' rules, remote groups expanded into their members'
    /// addresses on the port's network (one rule per address, as Neutron's ipset holds them).
    func firewall(_ port: JSON) async throws -> (Bool, [SecurityRule]) {
        let security = port["port_security_enabled"]?.bool ?? true
        var rules: [SecurityRule] = []
        var members: [String: [String]] = [:]
        for group in (port["security_groups"]?.array ?? []).compactMap(\.string).prefix(Self.maxPorts) {
            let sg = try await neutron.send("GET", "/security-groups/\(NeutronClient.q(group))")["security_group"]
            for r in (sg?["security_group_rules"]?.array ?? []).prefix(Self.maxRules) {
                guard let dir = r["direction"]?.string.flatMap(SecurityRule.Direction.init(rawValue:)) else { continue }
                let rule = SecurityRule(direction: dir, ethertype: r["ethertype"]?.string ?? "IPv4",
                                        ipProtocol: r["protocol"]?.string, portRangeMin: r["port_range_min"]?.int,
                                        portRangeMax: r["port_range_max"]?.int, remoteIPPrefix: r["remote_ip_prefix"]?.string)
                guard let remote = r["remote_group_id"]?.string else { rules.append(rule); continue }
                if members[remote] == nil { members[remote] = try await groupMembers(remote, network: port["network_id"]?.string) }
                for ip in members[remote] ?? [] where ip.contains(".") == (rule.ethertype == "IPv4") {
                    var r = rule
                    r.remoteIPPrefix = ip + (ip.contains(".") ? "/32" : "/128")
                    rules.append(r)
                }
            }
        }
        return (security, rules)
    }

    func groupMembers(_ group: String, network: String?) async throws -> [String] {
        guard let network else { return [] }
        let ports = try await neutron.send("GET", "/ports?network_id=\(NeutronClient.q(network))")["ports"]?.array ?? []
        return Array(ports.filter { ($0["security_groups"]?.array ?? []).contains(.string(group)) }
            .flatMap { ($0["fixed_ips"]?.array ?? []).compactMap { $0["ip_address"]?.string } }.prefix(Self.maxMembers))
    }
}
