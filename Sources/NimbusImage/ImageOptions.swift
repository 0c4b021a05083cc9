import NimbusKernel

/// Options of the built-in Image v2 service (glance-api.conf names) and nova.conf's `[glance] api_servers`.
public enum ImageOptions {
    public static let enabled = TypedOption<Bool>("image", "enabled", default: true,
                                                  help: "Serve the built-in Image v2 API.")
    public static let listen = TypedOption<String>("image", "listen", default: "127.0.0.1")
    public static let port = TypedOption<Int>(
        "image", "port", kind: .port, default: 9292,
        help: "0 picks a free port (logged); unset while osapi_compute_listen_port = 0, it follows that.")
    public static let imageSizeCap = TypedOption<Int>("image", "image_size_cap", default: 1 << 40,
                                                      help: "Largest image upload in bytes.")
    public static let limitParamDefault = TypedOption<Int>("image", "limit_param_default", default: 25)
    public static let apiLimitMax = TypedOption<Int>("image", "api_limit_max", default: 1000)
    public static let apiServers = TypedOption<[String]?>(
        "glance", "api_servers",
        help: "External Glance endpoints; when set Nimbus serves no Image API and the catalog names the first.")

    public static let all: [ConfigOption] = ([
        enabled, listen, port, imageSizeCap, limitParamDefault, apiLimitMax, apiServers,
    ] as [any AnyTypedOption]).map(\.declaration)
}
