import NimbusKernel

/// Options of the Compute API (nova.conf's `[api]`, `[quota]`, the listen address and zone names).
public enum APIOptions {
    public static let listen = TypedOption<String>("DEFAULT", "osapi_compute_listen", default: "127.0.0.1")
    public static let listenPort = TypedOption<Int>("DEFAULT", "osapi_compute_listen_port", kind: .port, default: 8774,
                                                    help: "0 picks a free port (logged).")
    public static let defaultAvailabilityZone = TypedOption<String>("DEFAULT", "default_availability_zone",
                                                                    default: "nova")
    public static let internalServiceAvailabilityZone = TypedOption<String>(
        "DEFAULT", "internal_service_availability_zone", default: "internal")
    public static let maxLimit = TypedOption<Int>("api", "max_limit", default: 1000,
                                                  help: "Most items one list request returns.")
    public static let maxInstancesPerRequest = TypedOption<Int>(
        "api", "max_instances_per_request", default: 1000,
        help: "Most servers one create request may ask for (max_count is capped to it; a larger min_count is 400).")
    public static let authStrategy = TypedOption<String>(
        "api", "auth_strategy", kind: .choice(["noauth2", "keystone"]), default: "keystone",
        help: "keystone (Nova's default): X-Auth-Token from the built-in or an external Keystone; noauth2: every caller is admin.")

    /// Nova's `[quota]` defaults (the API enforces them; `os-quota-sets` overrides per project), in the order
    /// the API lists them.
    public static let quotas: [TypedOption<Int>] = [
        ("instances", 10), ("cores", 20), ("ram", 51200), ("metadata_items", 128), ("key_pairs", 100),
        ("server_groups", 10), ("server_group_members", 10),
    ].map { TypedOption<Int>("quota", $0.0, default: $0.1, help: "Default per-project limit; -1 = unlimited.") }

    /// Nova's `[DEFAULT] allow_resize_to_same_host`, read by the API: false puts the current host in the
    /// request's ignore list.
    public static let allowResizeToSameHost = TypedOption<Bool>(
        "DEFAULT", "allow_resize_to_same_host", default: false, help: "Allow a resize to land on the current host.")

    public static let all: [ConfigOption] = ([
        listen, listenPort, defaultAvailabilityZone, internalServiceAvailabilityZone, maxLimit,
        maxInstancesPerRequest, authStrategy, allowResizeToSameHost,
    ] as [any AnyTypedOption]).map(\.declaration) + quotas.map(\.declaration)
}
