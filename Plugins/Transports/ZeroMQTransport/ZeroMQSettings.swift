import Foundation
import NimbusKernel

/// Everything the transport reads from config, resolved once at init (paths expanded under `state_path`).
struct ZeroMQSettings: Sendable {
    var controllerEndpoint: String
    var bindAddress: String
    var advertiseHost: String?
    var hwm: Int
    var peerIdleTimeout: Duration
    var maxMessageSize: Int
    /// ZMQ_MAX_SOCKETS of the transport's context (libzmq's default is 1023).
    var maxSockets: Int
    var topicEndpoints: [(topic: String, endpoint: String)]
    var curve: CurvePaths?

    struct CurvePaths: Sendable {
        var secretKeyFile: String
        var publicKeyFile: String
        var serverPublicKeyFile: String
        var allowedClientsFile: String
    }

    static let bindAddress = TypedOption<String?>(
        "zmq", "bind_address",
        help: "Where this process binds its ROUTER when it listens (tcp://host:port, port 0 = ephemeral). "
            + "Empty: the transport_url address (the controller). Compute nodes set e.g. tcp://10.0.0.5:0.")
    static let advertiseHostOption = TypedOption<String?>(
        "zmq", "advertise_host",
        help: "Host put in the advertised endpoint when bind_address is a wildcard (default: [DEFAULT] host).")
    static let hwmOption = TypedOption<Int>(
        "zmq", "hwm", default: 1000, help: "High-water mark (ZMQ_SNDHWM/RCVHWM) and per-listener queue bound, in messages.")
    static let peerIdleTimeoutOption = TypedOption<Double>(
        "zmq", "peer_idle_timeout", default: 300,
        help: "Seconds after which a connection to a peer we no longer send to is closed (a compute "
            + "that restarted on a new port leaves its old endpoint behind).")
    static let maxMessageSizeOption = TypedOption<Int>(
        "zmq", "max_message_size", default: 64 << 20,
        help: "Largest payload in bytes; larger ones are refused (ZMQ_MAXMSGSIZE on receive).")
    static let maxSocketsOption = TypedOption<Int>(
        "zmq", "max_sockets", default: 0,
        help: "Sockets the transport may open (ZMQ_MAX_SOCKETS). A controller holds two per compute it talks to "
            + "(a DEALER and its monitor); 0 = as many as half the open-file limit allows (at least libzmq's 1023).")
    static let topicEndpointsOption = TypedOption<[String]?>(
        "zmq", "topic_endpoints",
        help: "Extra static routes, topic=host:port (e.g. scheduler=127.0.0.1:9501) for controller "
            + "services that do not live at transport_url.")
    static let curveEnabled = TypedOption<Bool>("zmq", "curve_enabled", default: false,
                                                help: "Encrypt and authenticate with CURVE.")
    static let curveSecretKeyFile = TypedOption<String>(
        "zmq", "curve_secret_key_file", default: "$state_path/zmq/curve.key",
        help: "This process's CURVE secret key (Z85); written by `nimbus manage zmq keygen`.")
    static let curvePublicKeyFile = TypedOption<String>(
        "zmq", "curve_public_key_file", default: "$state_path/zmq/curve.pub",
        help: "This process's CURVE public key (Z85), to hand to peers.")
    static let curveServerPublicKeyFile = TypedOption<String>(
        "zmq", "curve_server_public_key_file", default: "$state_path/zmq/controller.pub",
        help: "The controller's public key (the server at transport_url); if missing, our own public key.")
    static let curveAllowedClientsFile = TypedOption<String>(
        "zmq", "curve_allowed_clients_file", default: "$state_path/zmq/allowed_clients",
        help: "Z85 public keys allowed to connect, one per line (# comments); re-read when it changes.")

    static let options: [ConfigOption] = ([
        bindAddress, advertiseHostOption, hwmOption, peerIdleTimeoutOption, maxMessageSizeOption, maxSocketsOption,
        topicEndpointsOption,
        curveEnabled, curveSecretKeyFile, curvePublicKeyFile, curveServerPublicKeyFile, curveAllowedClientsFile,
    ] as [any AnyTypedOption]).map(\.declaration)

    /// A path option with `$state_path` expanded (in the default and in configured values, as oslo.config does).
    static func path(_ option: TypedOption<String>, _ config: NimbusConfig) -> String {
        option.read(config).replacingOccurrences(of: "$state_path", with: CoreOptions.statePath.read(config))
    }

    init(config: NimbusConfig) throws {
        let url = CoreOptions.transportURL.read(config)
        controllerEndpoint = try ZeroMQURL.endpoint(fromTransportURL: url)
        let bind = Self.bindAddress.read(config) ?? ""
        bindAddress = bind.isEmpty ? controllerEndpoint : try ZeroMQURL.normalize(bind)
        advertiseHost = Self.advertiseHostOption.read(config) ?? (CoreOptions.host.isSet(config) ? CoreOptions.host.read(config) : nil)
        hwm = try Self.hwmOption.read(config)
        peerIdleTimeout = .milliseconds(Int(try Self.peerIdleTimeoutOption.read(config) * 1000))
        maxMessageSize = try Self.maxMessageSizeOption.read(config)
        let sockets = try Self.maxSocketsOption.read(config)
        guard sockets >= 0 else {
            throw ConfigError.invalidValue(source: config.source("zmq", "max_sockets"), section: "zmq", option: "max_sockets",
                                           value: "\(sockets)", expected: "0 (from the open-file limit) or a positive count")
        }
        maxSockets = sockets > 0 ? sockets : Self.socketsForFileLimit()
        guard hwm > 0, maxMessageSize > 0 else {
            throw ConfigError.invalidValue(source: config.source("zmq", "hwm"), section: "zmq", option: "hwm",
                                           value: "\(hwm)/\(maxMessageSize)", expected: "positive hwm and max_message_size")
        }
        topicEndpoints = try (Self.topicEndpointsOption.read(config) ?? []).map { entry in
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw TransportError.invalidURL("topic_endpoints entry \(entry)") }
            return (parts[0], try ZeroMQURL.normalize(parts[1]))
        }
        if try Self.curveEnabled.read(config) {
            curve = CurvePaths(
                secretKeyFile: Self.path(Self.curveSecretKeyFile, config),
                publicKeyFile: Self.path(Self.curvePublicKeyFile, config),
                serverPublicKeyFile: Self.path(Self.curveServerPublicKeyFile, config),
                allowedClientsFile: Self.path(Self.curveAllowedClientsFile, config))
        }
    }
}

/// `transport_url` and endpoint spellings: `zmq://host:port` in config, `tcp://host:port` for libzmq.
public enum ZeroMQURL {
    /// `zmq://127.0.0.1:9500` (optionally with a trailing `/`) → `tcp://127.0.0.1:9500`.
    public static func endpoint(fromTransportURL url: String) throws(TransportError) -> String {
        guard url.hasPrefix("zmq://") else { throw .invalidURL(url) }
        var rest = String(url.dropFirst("zmq://".count))
        while rest.hasSuffix("/") { rest.removeLast() }
        return try hostPort(rest, original: url)
    }

    /// Accepts `tcp://h:p`, `zmq://h:p`, `ipc://path`, `inproc://name` or a bare `h:p`.
    public static func normalize(_ endpoint: String) throws(TransportError) -> String {
        let e = endpoint.trimmingCharacters(in: .whitespaces)
        if e.hasPrefix("ipc://") || e.hasPrefix("inproc://") { return e }
        if e.hasPrefix("zmq://") { return try self.endpoint(fromTransportURL: e) }
        if e.hasPrefix("tcp://") { return try hostPort(String(e.dropFirst(6)), original: endpoint) }
        return try hostPort(e, original: endpoint)
    }

    private static func hostPort(_ s: String, original: String) throws(TransportError) -> String {
        guard let colon = s.lastIndex(of: ":"), colon != s.startIndex,
              let port = Int(s[s.index(after: colon)...]), (0...65535).contains(port),
              !s.contains("/"), !s.contains("@")
        else { throw .invalidURL(original) }
        return "tcp://\(s)"
    }

    /// Replaces a wildcard bind host with one peers can reach.
    static func advertised(_ bound: String, host: String?) -> String {
        for wildcard in ["tcp://0.0.0.0:", "tcp://*:", "tcp://[::]:"] where bound.hasPrefix(wildcard) {
            return "tcp://\(host ?? ProcessInfo.processInfo.hostName):" + bound.dropFirst(wildcard.count)
        }
        return bound
    }
}

extension ZeroMQSettings {
    /// Each socket costs libzmq about two descriptors (its mailbox and a connection), so half the soft limit.
    static func socketsForFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1023 }
        return max(1023, min(Int(clamping: limit.rlim_cur) / 2, 1 << 20))
    }
}
