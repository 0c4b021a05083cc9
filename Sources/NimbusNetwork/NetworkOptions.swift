import NimbusKernel

/// Options of the built-in Networking v2 service (`[network]`, like `[image]`) (nova.conf's `[neutron]` options are NeutronClientOptions).
public enum NetworkOptions {
    public static let enabled = TypedOption<Bool>("network", "enabled", default: true,
                                                  help: "Serve the built-in Networking v2 API (a Neutron subset).")
    public static let listen = TypedOption<String>("network", "listen", default: "127.0.0.1")
    public static let port = TypedOption<Int>(
        "network", "port", kind: .port, default: 9696,
        help: "0 picks a free port (logged); unset while osapi_compute_listen_port = 0, it follows that.")
    public static let paginationMaxLimit = TypedOption<Int>(
        "network", "pagination_max_limit", default: 1000,
        help: "Largest page a list returns (Neutron's [DEFAULT] pagination_max_limit; ours is always bounded).")
    public static let maxFixedIPsPerPort = TypedOption<Int>("network", "max_fixed_ips_per_port", default: 5)
    public static let maxDNSNameservers = TypedOption<Int>("network", "max_dns_nameservers", default: 5)

    public static let all: [ConfigOption] = ([
        enabled, listen, port, paginationMaxLimit, maxFixedIPsPerPort, maxDNSNameservers,
    ] as [any AnyTypedOption]).map(\.declaration)
}
