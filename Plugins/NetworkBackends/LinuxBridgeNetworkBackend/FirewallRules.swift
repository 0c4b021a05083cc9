import NimbusKernel

/// The iptables rules of every port on this host, as one `iptables-restore --noflush` input (so a change is
/// applied atomically), in the model of Neutron's iptables firewall driver: bridged traffic goes from FORWARD
/// to `nimbus-sg`, which sends what leaves a tap (`--physdev-in`) to its egress chain `no-…` and what goes to it
/// (`--physdev-out`) to its ingress chain `ni-…`; allowed traffic RETURNs, the rest is dropped; established and
/// related traffic is allowed both ways; the egress chain first drops what the port's MAC and IPs did not send.
/// Bridged traffic is tracked in a conntrack zone per network (`nimbus-zone` in the raw table, as Neutron
/// does): a packet crosses conntrack twice, bridged and then routed on the gateway device, and without zones
/// the bridged pass would decide the NAT of the metadata DNAT (none) before the routed pass could.
enum FirewallRules {
    static let zoneChain = "nimbus-zone"
    static let sgChain = "nimbus-sg"
    static let metadataChain = "nimbus-meta"
    static let metadataAddress = "169.254.169.254"

    static func ingressChain(_ port: String) -> String { "ni-" + suffix(port) }
    static func egressChain(_ port: String) -> String { "no-" + suffix(port) }
    static func spoofChain(_ port: String) -> String { "ns-" + suffix(port) }
    static func suffix(_ id: String) -> String { String(NetworkDeviceNames.tap(port: id).dropFirst(5)) }

    /// The chains a port owns (to delete when it goes).
    static func chains(of port: String) -> [String] { [ingressChain(port), egressChain(port), spoofChain(port)] }

    /// The whole ruleset; `stale` names chains of ports gone since the last run (flushed, then deleted).
    static func restoreInput(ports: [HostPort], metadataPort: Int, stale: [String]) -> String {
        let ports = ports.sorted { $0.id < $1.id }
        var networks: [String: HostNetwork] = [:]
        for p in ports { networks[p.network.id] = p.network }
        let zone = zones(Array(networks.keys))
        var declare = [":\(sgChain) - [0:0]"]
        var rules: [String] = []
        var accept: [String] = []
        for p in ports {
            let tap = NetworkDeviceNames.tap(port: p.id)
            accept.append("-A \(sgChain) -m physdev --physdev-out \(tap) --physdev-is-bridged -j ACCEPT")
            accept.append("-A \(sgChain) -m physdev --physdev-in \(tap) --physdev-is-bridged -j ACCEPT")
            guard p.portSecurity else { continue }
            let (i, o, s) = (ingressChain(p.id), egressChain(p.id), spoofChain(p.id))
            declare += [":\(i) - [0:0]", ":\(o) - [0:0]", ":\(s) - [0:0]"]
            rules.append("-A \(sgChain) -m physdev --physdev-out \(tap) --physdev-is-bridged -j \(i)")
            rules.append("-A \(sgChain) -m physdev --physdev-in \(tap) --physdev-is-bridged -j \(o)")
            rules += ingress(p, chain: i) + egress(p, chain: o, spoof: s)
        }
        declare += stale.map { ":\($0) - [0:0]" }
        var text = (["*filter"] + declare + rules + accept + stale.map { "-X \($0)" } + ["COMMIT"])
            .joined(separator: "\n") + "\n"
        let sorted = networks.values.sorted { $0.id < $1.id }
        text += (["*nat", ":\(metadataChain) - [0:0]"] + sorted.compactMap { n in
            n.gatewayIP.flatMap { gw in IPv4Network.isAddress(gw) ? gw : nil }.map {
                "-A \(metadataChain) -i \(LinuxBridgeBackend.hostDevice(n.id)) -d \(metadataAddress)/32 -p tcp -m tcp --dport 80 "
                    + "-j DNAT --to-destination \($0):\(metadataPort)"
            }
        } + ["COMMIT"]).joined(separator: "\n") + "\n"
        text += (["*raw", ":\(zoneChain) - [0:0]"] + sorted.map {
            "-A \(zoneChain) -i \(NetworkDeviceNames.bridge(network: $0.id)) -j CT --zone \(zone[$0.id] ?? 1)"
        } + ["COMMIT"]).joined(separator: "\n") + "\n"
        return text
    }

    /// A conntrack zone per network, from its id (stable across runs), distinct among the networks given.
    static func zones(_ ids: [String]) -> [String: Int] {
        var used = Set<Int>(), out: [String: Int] = [:]
        for id in ids.sorted() {
            var z = Int(String(id.filter(\.isHexDigit).prefix(4)), radix: 16).map { $0 % 60000 + 1 } ?? 1
            while used.contains(z) { z = z % 60000 + 1 }
            used.insert(z)
            out[id] = z
        }
        return out
    }

    static func ingress(_ p: HostPort, chain c: String) -> [String] {
        ["-A \(c) -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN",
         "-A \(c) -p udp -m udp --sport 67 --dport 68 -j RETURN",
         "-A \(c) -m conntrack --ctstate INVALID -j DROP"]
            + p.rules.filter { $0.direction == .ingress }.compactMap { match($0) }.map { "-A \(c) \($0) -j RETURN" }
            + ["-A \(c) -j DROP"]
    }

    static func egress(_ p: HostPort, chain c: String, spoof s: String) -> [String] {
        let mac = IPv4Network.isMAC(p.macAddress) ? p.macAddress : "00:00:00:00:00:00"
        return ["-A \(c) -p udp -m udp --sport 68 --dport 67 -j RETURN", "-A \(c) -j \(s)"]
            + p.fixedIPs.filter(IPv4Network.isAddress).map { "-A \(s) -s \($0)/32 -m mac --mac-source \(mac) -j RETURN" }
            + ["-A \(s) -j DROP",
               "-A \(c) -p udp -m udp --sport 67 --dport 68 -j DROP",
               "-A \(c) -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN",
               "-A \(c) -m conntrack --ctstate INVALID -j DROP"]
            + p.rules.filter { $0.direction == .egress }.compactMap { match($0) }.map { "-A \(c) \($0) -j RETURN" }
            + ["-A \(c) -j DROP"]
    }

    /// The iptables match of a rule; nil for what iptables does not carry (IPv6, a value that is not a number
    /// or address: rules come from the Networking API, so nothing is spliced into the ruleset unchecked).
    static func match(_ r: SecurityRule) -> String? {
        guard r.ethertype == "IPv4" else { return nil }
        var m: [String] = []
        if let prefix = r.remoteIPPrefix {
            guard IPv4Network.isPrefix(prefix) else { return nil }
            if prefix != "0.0.0.0/0" { m += [r.direction == .ingress ? "-s" : "-d", prefix] }
        }
        let names = ["6": "tcp", "17": "udp", "1": "icmp"]
        let proto = r.ipProtocol.map { names[$0] ?? $0.lowercased() }
        let range: (Int?, Int?) -> String? = { lo, hi in
            guard let lo else { return nil }
            return hi.map { $0 == lo ? "\(lo)" : "\(lo):\($0)" } ?? "\(lo)"
        }
        switch proto {
        case nil, "any":
            break
        case let p? where p == "tcp" || p == "udp":
            m += ["-p", p]
            if let ports = range(r.portRangeMin, r.portRangeMax) { m += ["-m", p, "--dport", ports] }
        case "icmp":
            m += ["-p", "icmp"]
            if let type = r.portRangeMin {
                m += ["-m", "icmp", "--icmp-type", r.portRangeMax.map { "\(type)/\($0)" } ?? "\(type)"]
            }
        case let p?:
            guard !p.isEmpty, p.count <= 16, p.allSatisfy({ $0.isLetter || $0.isNumber }) else { return nil }
            m += ["-p", p]
        }
        return m.joined(separator: " ")
    }
}
