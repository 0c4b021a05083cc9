import Foundation
import NimbusKernel
import Synchronization

/// The fake network backend: records what a real one would set up (networks present on the host, each port's
/// DHCP entry and firewall rules) and touches nothing. Tests read the record through `recorded(statePath:host:)`.
public final class FakeNetworkBackend: NetworkBackend {
    public static let name = "fake"

    /// What the host would have: networks by id (their gateway), ports by id.
    public struct Record: Sendable, Hashable {
        public var networks: [String: HostNetwork] = [:]
        public var ports: [String: HostPort] = [:]
        /// DHCP host entries per network (`mac,ip`), as dnsmasq's hosts file would hold them.
        public func dhcpHosts(network: String) -> [String] {
            ports.values.filter { $0.network.id == network }
                .flatMap { p in p.fixedIPs.map { "\(p.macAddress),\($0)" } }.sorted()
        }
    }

    /// Backends by state path and host, so a test finds the one its cloud's compute made.
    private static let all = Mutex<[String: FakeNetworkBackend]>([:])
    private let record = Mutex(Record())

    public init(context: PluginContext) throws {
        let key = Self.key(CoreOptions.statePath.read(context.config), context.host ?? "")
        Self.all.withLock { $0[key] = self }
    }

    static func key(_ statePath: String, _ host: String) -> String {
        (statePath as NSString).standardizingPath + "|" + host
    }

    /// The record of the backend the compute `host` of the cloud at `statePath` made, if any.
    public static func recorded(statePath: String, host: String) -> Record? {
        all.withLock { $0[key(statePath, host)] }?.record.withLock { $0 }
    }

    public func plug(_ port: HostPort) async throws -> PluggedVIF {
        record.withLock { r in
            r.networks[port.network.id] = port.network
            r.ports[port.id] = port
        }
        return PluggedVIF(portID: port.id, macAddress: port.macAddress,
                          bridge: NetworkDeviceNames.bridge(network: port.network.id),
                          device: NetworkDeviceNames.tap(port: port.id))
    }

    public func unplug(instance: UUID) async throws {
        record.withLock { r in
            r.ports = r.ports.filter { $0.value.instance != instance }
            let used = Set(r.ports.values.map(\.network.id))
            r.networks = r.networks.filter { used.contains($0.key) }
        }
    }

    public func applyRules(portID: String, rules: [SecurityRule], portSecurity: Bool) async throws {
        record.withLock { r in
            r.ports[portID]?.rules = rules
            r.ports[portID]?.portSecurity = portSecurity
        }
    }

    public func pluggedPorts() async -> [HostPort] {
        record.withLock { Array($0.ports.values) }
    }
}
