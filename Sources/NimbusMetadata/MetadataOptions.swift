import MetadataDocuments
import NimbusKernel

/// Options of the metadata service (nova-api-metadata's names and defaults).
public enum MetadataOptions {
    public static let listen = TypedOption<String>("DEFAULT", "metadata_listen", default: "0.0.0.0",
                                                   help: "Address the metadata service listens on.")
    public static let listenPort = TypedOption<Int>("DEFAULT", "metadata_listen_port", kind: .port, default: 8775,
                                                    help: "Port of the metadata service (guests reach it as 169.254.169.254:80).")
    public static let enabledAPIs = TypedOption<[String]>(
        "DEFAULT", "enabled_apis", default: ["osapi_compute", "metadata"],
        help: "APIs the all-in-one serves; it runs the metadata service only when 'metadata' is listed.")
    public static let cacheExpiration = TypedOption<Int>(
        "api", "metadata_cache_expiration", default: 15,
        help: "Seconds an instance's metadata is cached by the metadata service; 0 disables the cache.")
    public static let serviceMetadataProxy = TypedOption<Bool>(
        "neutron", "service_metadata_proxy", default: false,
        help: "Requests come through Neutron's metadata proxy: trust its signed X-Instance-ID headers.")
    public static let sharedSecret = TypedOption<String>(
        "neutron", "metadata_proxy_shared_secret", default: "",
        help: "Key of the HMAC-SHA256 signature of X-Instance-ID (X-Instance-ID-Signature).")

    public static let all: [ConfigOption] = ([
        listen, listenPort, enabledAPIs, cacheExpiration, serviceMetadataProxy, sharedSecret,
    ] as [any AnyTypedOption]).map(\.declaration)
}

/// The metadata service's settings, read once.
public struct MetadataSettings: Sendable {
    public var host: String
    public var port: Int
    public var cacheExpiration: Int
    public var dhcpDomain: String
    public var behindProxy: Bool
    public var sharedSecret: String
    /// Bound of the per-instance cache (entries), so many guests cannot grow it without limit.
    public var cacheCapacity: Int

    public init(host: String = "127.0.0.1", port: Int = 0, cacheExpiration: Int = 15, dhcpDomain: String = "novalocal",
                behindProxy: Bool = false, sharedSecret: String = "", cacheCapacity: Int = 4096) {
        self.host = host
        self.port = port
        self.cacheExpiration = cacheExpiration
        self.dhcpDomain = dhcpDomain
        self.behindProxy = behindProxy
        self.sharedSecret = sharedSecret
        self.cacheCapacity = cacheCapacity
    }

    public init(config: NimbusConfig) throws {
        self.init(host: MetadataOptions.listen.read(config), port: try MetadataOptions.listenPort.read(config),
                  cacheExpiration: max(0, try MetadataOptions.cacheExpiration.read(config)),
                  dhcpDomain: ConfigDriveOptions.dhcpDomain.read(config),
                  behindProxy: try MetadataOptions.serviceMetadataProxy.read(config),
                  sharedSecret: MetadataOptions.sharedSecret.read(config))
    }
}
