/// Remote-console options (Nova's `[vnc]`, `[serial_console]`, `[consoleauth]`). The kernel declares them
/// because the compute, the virt drivers and the console proxies all read them.
/// (`[vnc] server_listen` is the libvirt driver's own, declared there.)
public enum ConsoleOptions {
    public static let vncEnabled = TypedOption<Bool>("vnc", "enabled", default: true,
                                                     help: "Give guests VNC graphics; gate of get_vnc_console.")
    public static let vncProxyClientAddress = TypedOption<String>(
        "vnc", "server_proxyclient_address", default: "127.0.0.1",
        help: "Address the console proxy connects to for this compute's VNC servers.")
    public static let novncproxyBaseURL = TypedOption<String>(
        "vnc", "novncproxy_base_url", default: "http://127.0.0.1:6080/vnc_auto.html",
        help: "Public URL of the noVNC page; console URLs are built on it (read on the compute).")
    public static let novncproxyHost = TypedOption<String>("vnc", "novncproxy_host", default: "0.0.0.0",
                                                           help: "Address nimbus novncproxy listens on.")
    public static let novncproxyPort = TypedOption<Int>("vnc", "novncproxy_port", kind: .port, default: 6080,
                                                        help: "Port nimbus novncproxy listens on.")
    public static let novncWebRoot = TypedOption<String>("vnc", "novnc_web_root", default: "/usr/share/novnc",
                                                         help: "Directory of the noVNC web client served by the proxy.")
    public static let serialEnabled = TypedOption<Bool>("serial_console", "enabled", default: false,
                                                        help: "Give guests TCP serial consoles; gate of get_serial_console.")
    public static let serialBaseURL = TypedOption<String>("serial_console", "base_url", default: "ws://127.0.0.1:6083/",
                                                          help: "Public URL of the serial proxy.")
    public static let serialProxyClientAddress = TypedOption<String>(
        "serial_console", "proxyclient_address", default: "127.0.0.1",
        help: "Address the serial guests bind and the serial proxy connects to.")
    public static let serialPortRange = TypedOption<String>("serial_console", "port_range", default: "10000:20000",
                                                            help: "TCP ports (min:max) for guests' serial consoles.")
    public static let serialproxyHost = TypedOption<String>("serial_console", "serialproxy_host", default: "0.0.0.0",
                                                            help: "Address nimbus serialproxy listens on.")
    public static let serialproxyPort = TypedOption<Int>("serial_console", "serialproxy_port", kind: .port,
                                                         default: 6083, help: "Port nimbus serialproxy listens on.")
    public static let tokenTTL = TypedOption<Int>("consoleauth", "token_ttl", default: 600,
                                                  help: "Seconds a console token stays valid (reusable until then).")
    public static let enforceSessionTimeout = TypedOption<Bool>(
        "consoleauth", "enforce_session_timeout", default: false,
        help: "Close a console session when its token expires (otherwise it lasts until either side closes).")
    public static let allowedOrigins = TypedOption<[String]?>(
        "console", "allowed_origins", help: "Extra hostnames accepted in a console websocket's Origin header.")

    public static let all: [ConfigOption] = ([
        vncEnabled, vncProxyClientAddress, novncproxyBaseURL, novncproxyHost, novncproxyPort, novncWebRoot,
        serialEnabled, serialBaseURL, serialProxyClientAddress, serialPortRange, serialproxyHost, serialproxyPort,
        tokenTTL, enforceSessionTimeout, allowedOrigins,
    ] as [any AnyTypedOption]).map(\.declaration)
}
