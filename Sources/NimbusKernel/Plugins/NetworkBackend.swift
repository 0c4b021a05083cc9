import Foundation

/// What a host needs to know of one network to serve its ports: its IPv4 subnet (the data plane is IPv4 only
/// for now), the gateway address the host holds, and whether DHCP answers on it.
public struct HostNetwork: Codable, Sendable, Hashable {
    public var id: String
    /// IPv4 CIDR, e.g. `10.0.0.0/24`.
    public var cidr: String
    public var gatewayIP: String?
    public var enableDHCP: Bool
    public var dnsNameservers: [String]
    public var mtu: Int?

    public init(id: String, cidr: String, gatewayIP: String?, enableDHCP: Bool = true,
                dnsNameservers: [String] = [], mtu: Int? = nil) {
        self.id = id
        self.cidr = cidr
        self.gatewayIP = gatewayIP
        self.enableDHCP = enableDHCP
        self.dnsNameservers = dnsNameservers
        self.mtu = mtu
    }
}

/// One security-group rule as a backend enforces it: remote groups are already expanded by the compute into
/// their members' addresses (one rule per address), so a backend only matches prefixes.
public struct SecurityRule: Codable, Sendable, Hashable {
    public enum Direction: String, Codable, Sendable { case ingress, egress }
    public var direction: Direction
    /// `IPv4` or `IPv6`.
    public var ethertype: String
    /// `tcp`, `udp`, `icmp`, a protocol number, or nil for any.
    public var ipProtocol: String?
    /// Ports for tcp/udp; ICMP type and code for icmp (Neutron's reuse of the two fields).
    public var portRangeMin: Int?
    public var portRangeMax: Int?
    /// nil: any address.
    public var remoteIPPrefix: String?

    public init(direction: Direction, ethertype: String = "IPv4", ipProtocol: String? = nil, portRangeMin: Int? = nil,
                portRangeMax: Int? = nil, remoteIPPrefix: String? = nil) {
        self.direction = direction
        self.ethertype = ethertype
        self.ipProtocol = ipProtocol
        self.portRangeMin = portRangeMin
        self.portRangeMax = portRangeMax
        self.remoteIPPrefix = remoteIPPrefix
    }
}

/// A port to plug on this host: its MAC and IPv4 addresses on `network`, and its firewall.
public struct HostPort: Codable, Sendable, Hashable {
    public var id: String
    public var instance: UUID
    public var macAddress: String
    public var fixedIPs: [String]
    public var network: HostNetwork
    /// Neutron's `port_security_enabled`: false means no firewall and no anti-spoofing for the port.
    public var portSecurity: Bool
    public var rules: [SecurityRule]

    public init(id: String, instance: UUID, macAddress: String, fixedIPs: [String], network: HostNetwork,
                portSecurity: Bool = true, rules: [SecurityRule] = []) {
        self.id = id
        self.instance = instance
        self.macAddress = macAddress
        self.fixedIPs = fixedIPs
        self.network = network
        self.portSecurity = portSecurity
        self.rules = rules
    }
}

/// Where a plugged port's guest NIC goes: the hypervisor creates tap `device` on `bridge` with `macAddress`.
public struct PluggedVIF: Codable, Sendable, Hashable {
    public var portID: String
    public var macAddress: String
    public var bridge: String
    public var device: String

    public init(portID: String, macAddress: String, bridge: String, device: String) {
        self.portID = portID
        self.macAddress = macAddress
        self.bridge = bridge
        self.device = device
    }
}

/// The network plumbing of one compute host (Nova's VIF driver plus what Neutron's L2 and DHCP agents do on
/// it): the fifth plugin kind, selected by `[network] backend`. A Linux bridge + dnsmasq + iptables backend
/// and a fake one are in tree; an OVS or OVN backend would be another conformance.
public protocol NetworkBackend: Sendable {
    /// The `[network] backend` value that selects this backend.
    static var name: String { get }
    static var configOptions: [ConfigOption] { get }
    /// `context.host` is the compute host this backend serves.
    init(context: PluginContext) throws
    /// Makes the port's network present on this host if it is not (bridge, gateway address, DHCP), adds the
    /// port's DHCP entry (MAC → fixed IP) and firewall. Idempotent for a port already plugged.
    func plug(_ port: HostPort) async throws -> PluggedVIF
    /// Removes every port of the instance (DHCP entry, firewall); a network left with no port goes too.
    func unplug(instance: UUID) async throws
    /// Replaces a plugged port's rules; nothing happens when they are unchanged.
    func applyRules(portID: String, rules: [SecurityRule], portSecurity: Bool) async throws
    /// The ports plugged on this host now, with the rules last applied.
    func pluggedPorts() async -> [HostPort]
}

extension NetworkBackend {
    public static var configOptions: [ConfigOption] { [] }
}

/// Device names shared by every backend and driver: Linux allows 15 characters.
public enum NetworkDeviceNames {
    static func hex(_ id: String) -> String {
        String(id.lowercased().filter { $0.isHexDigit }.prefix(10))
    }
    /// `nbr-` and the network id's first 10 hex digits.
    public static func bridge(network id: String) -> String { "nbr-" + hex(id) }
    /// `ntap-` and the port id's first 10 hex digits.
    public static func tap(port id: String) -> String { "ntap-" + hex(id) }
}
