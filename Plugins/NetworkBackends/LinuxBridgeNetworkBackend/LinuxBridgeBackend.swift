import Foundation
import Logging
import NimbusKernel
import Synchronization

/// Networks as Linux bridges (`nbr-<network>`), the gateway address on a veth pair whose other end is a
/// bridge port (`nvh-` on the host, `nvb-` on the bridge: host traffic to guests is then bridged, so the
/// ports' firewall sees it as Neutron's sees a router's), one dnsmasq per network handing each port's MAC its
/// fixed IP, per-port iptables chains, and the metadata address DNAT'ed to the gateway. Guests' taps
/// (`ntap-<port>`) are created by the hypervisor on the bridge.
public final class LinuxBridgeBackend: NetworkBackend {
    public static let name = "linuxbridge"
    public static let metadataPort = TypedOption<Int>(
        "linux_bridge", "metadata_port", kind: .port, default: 8775,
        help: "Port of the metadata service on each network's gateway address (Nova's metadata_listen_port): "
            + "guests' 169.254.169.254:80 is DNAT'ed there.")
    public static let configOptions: [ConfigOption] = ([metadataPort] as [any AnyTypedOption]).map(\.declaration)

    let stateDirectory: String
    let metadataPortNumber: Int
    let logger: Logger
    /// Every change runs here, one at a time, off the cooperative pool (the host tools block).
    private let queue = DispatchQueue(label: "nimbus.linuxbridge")
    let ports = Mutex<[String: HostPort]>([:])
    /// Chains of ports that went, deleted by the next ruleset.
    let staleChains = Mutex<[String]>([])

    public init(context: PluginContext) throws {
        stateDirectory = (CoreOptions.statePath.read(context.config) as NSString).appendingPathComponent("dhcp")
        metadataPortNumber = try Self.metadataPort.read(context.config)
        logger = context.logger
    }

    static func hostDevice(_ network: String) -> String { "nvh-" + NetworkDeviceNames.bridge(network: network).dropFirst(4) }
    static func bridgeSideDevice(_ network: String) -> String { "nvb-" + NetworkDeviceNames.bridge(network: network).dropFirst(4) }

    func dhcp(_ network: String) -> DHCPServer {
        DHCPServer(directory: (stateDirectory as NSString).appendingPathComponent(network.lowercased().filter {
            $0.isHexDigit || $0 == "-"
        }))
    }

    private func serially<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in queue.async { c.resume(with: Result { try body() }) } }
    }

    public func plug(_ port: HostPort) async throws -> PluggedVIF {
        try await serially {
            guard IPv4Network.isMAC(port.macAddress), port.fixedIPs.allSatisfy(IPv4Network.isAddress) else {
                throw HostCommands.Failure(command: ["plug", port.id], status: -1, output: "bad MAC or address")
            }
            try self.ensureNetwork(port.network)
            self.ports.withLock { $0[port.id] = port }
            do {
                try self.syncDHCP(port.network)
                try self.syncFirewall()
            } catch {
                self.ports.withLock { _ = $0.removeValue(forKey: port.id) }
                throw error
            }
            return PluggedVIF(portID: port.id, macAddress: port.macAddress,
                              bridge: NetworkDeviceNames.bridge(network: port.network.id),
                              device: NetworkDeviceNames.tap(port: port.id))
        }
    }

    public func unplug(instance: UUID) async throws {
        try await serially {
            let gone = self.ports.withLock { p in
                let gone = p.values.filter { $0.instance == instance }
                for g in gone { p.removeValue(forKey: g.id) }
                return gone
            }
            guard !gone.isEmpty else { return }
            self.staleChains.withLock { $0 += gone.filter(\.portSecurity).flatMap { FirewallRules.chains(of: $0.id) } }
            let remaining = Set(self.ports.withLock { $0.values.map(\.network.id) })
            try self.syncFirewall()
            for network in Set(gone.map(\.network)) {
                if remaining.contains(network.id) { try self.syncDHCP(network) } else { self.removeNetwork(network) }
            }
        }
    }

    public func applyRules(portID: String, rules: [SecurityRule], portSecurity: Bool) async throws {
        try await serially {
            let changed = self.ports.withLock { p -> Bool in
                guard let old = p[portID], old.rules != rules || old.portSecurity != portSecurity else { return false }
                p[portID]?.rules = rules
                p[portID]?.portSecurity = portSecurity
                return true
            }
            if changed { try self.syncFirewall() }
        }
    }

    public func pluggedPorts() async -> [HostPort] {
        ports.withLock { Array($0.values) }
    }

    // MARK: host state (on `queue`)

    private func ensureNetwork(_ n: HostNetwork) throws {
        let bridge = NetworkDeviceNames.bridge(network: n.id)
        let (host, peer) = (Self.hostDevice(n.id), Self.bridgeSideDevice(n.id))
        if !HostCommands.succeeds(["ip", "link", "show", "dev", bridge]) {
            try HostCommands.run(["ip", "link", "add", "name", bridge, "type", "bridge"])
            logger.info("created bridge \(bridge) for network \(n.id)")
        }
        if !HostCommands.succeeds(["ip", "link", "show", "dev", host]) {
            try HostCommands.run(["ip", "link", "add", host, "type", "veth", "peer", "name", peer])
            try HostCommands.run(["ip", "link", "set", peer, "master", bridge])
        }
        if let mtu = n.mtu, (68...65535).contains(mtu) {
            for d in [bridge, host, peer] { try HostCommands.run(["ip", "link", "set", d, "mtu", String(mtu)]) }
        }
        // No ARP on the bridge device itself: it would answer for the gateway address (Linux answers for any local
        // address on any device) and guests would then send to the bridge, bypassing nvh- and its metadata DNAT.
        try HostCommands.run(["ip", "link", "set", "dev", bridge, "arp", "off"])
        for d in [bridge, peer, host] { try HostCommands.run(["ip", "link", "set", d, "up"]) }
        if let gw = n.gatewayIP, IPv4Network.isAddress(gw), let net = IPv4Network(n.cidr) {
            let have = try HostCommands.run(["ip", "-4", "-o", "addr", "show", "dev", host])
            if !have.contains(" \(gw)/") {
                try HostCommands.run(["ip", "addr", "add", "\(gw)/\(net.prefix)", "dev", host])
            }
        }
    }

    private func syncDHCP(_ n: HostNetwork) throws {
        guard n.enableDHCP, let gw = n.gatewayIP, IPv4Network.isAddress(gw), let net = IPv4Network(n.cidr) else { return }
        let server = dhcp(n.id)
        try FileManager.default.createDirectory(atPath: server.directory, withIntermediateDirectories: true)
        let entries = ports.withLock { p in
            p.values.filter { $0.network.id == n.id }.flatMap { port in port.fixedIPs.map { "\(port.macAddress),\($0)" } }
        }
        try server.writeHosts(entries)
        try server.startOrReload(device: Self.hostDevice(n.id), network: net, gateway: gw, dns: n.dnsNameservers,
                                 mtu: n.mtu)
    }

    private func removeNetwork(_ n: HostNetwork) {
        dhcp(n.id).stop()
        // Deleting one end of the veth pair deletes both.
        for d in [Self.hostDevice(n.id), NetworkDeviceNames.bridge(network: n.id)] {
            do { try HostCommands.run(["ip", "link", "del", "dev", d]) } catch {
                logger.warning("cannot remove \(d): \(error)")
            }
        }
        logger.info("removed network \(n.id) from this host")
    }
}
