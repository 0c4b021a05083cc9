import NimbusKernel

/// `isolated_images` run only on `isolated_hosts`; with `restrict_isolated_hosts_to_isolated_images` (True)
/// isolated hosts also take only isolated images (isolated_hosts_filter.py).
public struct IsolatedHostsFilter: HostFilter {
    public static let name = "IsolatedHostsFilter"
    public static let configOptions: [ConfigOption] = [
        isolatedHosts.declaration, isolatedImages.declaration, restrictOption.declaration,
    ]
    static let isolatedHosts = TypedOption<[String]?>("filter_scheduler", "isolated_hosts")
    static let isolatedImages = TypedOption<[String]?>("filter_scheduler", "isolated_images")
    static let restrictOption = TypedOption<Bool>("filter_scheduler", "restrict_isolated_hosts_to_isolated_images",
                                                  default: true)
    let hosts: Set<String>
    let images: Set<String>
    let restrict: Bool

    public init(context: PluginContext) throws {
        let c = context.config
        hosts = Set(Self.isolatedHosts.read(c) ?? [])
        images = Set(Self.isolatedImages.read(c) ?? [])
        restrict = try Self.restrictOption.read(c)
    }

    public var runOncePerRequest: Bool { true }
    public var runOnRebuild: Bool { true }

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        let hostIsolated = hosts.contains(host.host)
        if images.isEmpty {
            return !restrict || !hostIsolated ? .pass : .reject("isolated host, image not isolated")
        }
        let imageIsolated = images.contains(spec.imageRef)
        let ok = restrict ? imageIsolated == hostIsolated : !imageIsolated || hostIsolated
        if ok { return .pass }
        return .reject(imageIsolated ? "isolated image needs an isolated host" : "isolated host, image not isolated")
    }
}
