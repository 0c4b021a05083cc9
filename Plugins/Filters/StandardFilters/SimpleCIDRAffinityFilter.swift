import NimbusKernel

/// Hints `build_near_host_ip` + `cidr` (default `/24`): the host IP lies in that network (affinity_filter.py).
public struct SimpleCIDRAffinityFilter: HostFilter {
    public static let name = "SimpleCIDRAffinityFilter"
    public init(context: PluginContext) throws {}
    public var runOncePerRequest: Bool { true }

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        guard let near = spec.schedulerHints["build_near_host_ip"]?.first else { return .pass }
        let cidr = spec.schedulerHints["cidr"]?.first ?? "/24"
        guard let prefix = Int(cidr.drop(while: { $0 == "/" })), (0...32).contains(prefix),
              let net = Self.ipv4(near), let ip = Self.ipv4(host.hostIP)
        else { return .reject("host IP not comparable with the requested network") }
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix)
        return net & mask == ip & mask ? .pass : .reject("host IP outside the requested network")
    }

    static func ipv4(_ s: String) -> UInt32? {
        let parts = s.split(separator: ".").compactMap { UInt32($0) }
        guard parts.count == 4, parts.allSatisfy({ $0 < 256 }) else { return nil }
        return parts.reduce(0) { $0 << 8 | $1 }
    }
}
