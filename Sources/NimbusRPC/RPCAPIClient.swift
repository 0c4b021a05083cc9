import Foundation
import NimbusKernel

/// The typed client of one RPC API: methods are descriptors, so arguments and replies are checked at compile
/// time, and the `[upgrade_levels]` pin (Nova's version cap) refuses a method newer than it before sending.
public struct RPCAPIClient<API: RPCAPIContract>: Sendable {
    public let rpc: RPCClient
    /// The newest version this caller may send (`[upgrade_levels] <api>`); nil: the API's current version.
    public let pin: RPCVersion?

    public init(transport: any Transport, pin: RPCVersion? = nil, timeout: Duration = .seconds(60)) {
        rpc = RPCClient(transport: transport, target: TransportTarget(topic: API.topic), namespace: API.namespace,
                        version: API.version.description, timeout: timeout)
        self.pin = pin
    }

    /// Reads the pin from `[upgrade_levels] <API.name>` (a bad value fails, naming the file and option).
    public init(transport: any Transport, config: NimbusConfig, timeout: Duration) throws {
        self.init(transport: transport, pin: try UpgradeLevels.pin(for: API.self, in: config), timeout: timeout)
    }

    private init(rpc: RPCClient, pin: RPCVersion?) {
        self.rpc = rpc
        self.pin = pin
    }

    /// The same client aimed at one server of the topic (`compute` → `compute.host1`).
    public func prepare(server: String?, timeout: Duration? = nil) -> Self {
        Self(rpc: rpc.prepare(server: server, timeout: timeout), pin: pin)
    }

    /// Nova's `can_send_version`: false when the pin is older than the method.
    public func canSend<A, R>(_ method: RPCMethod<API, A, R>) -> Bool { pin?.admits(method.since) ?? true }

    private func check<A, R>(_ method: RPCMethod<API, A, R>, _ kind: RPCKind) throws(RPCError) {
        guard method.kind == kind else { throw .wrongKind(method: method.name, declared: method.kind.rawValue) }
        if let pin, !pin.admits(method.since) {
            throw .versionCapped(method: method.name, api: API.name, requires: method.sinceText,
                                 pinned: pin.description)
        }
    }

    public func call<A, R>(_ method: RPCMethod<API, A, R>, _ args: A, timeout: Duration? = nil) async throws -> R {
        try check(method, .call)
        return try await rpc.call(method.name, args, returning: R.self, version: method.sinceText, timeout: timeout)
    }

    public func cast<A, R>(_ method: RPCMethod<API, A, R>, _ args: A) async throws {
        try check(method, .cast)
        try await rpc.cast(method.name, args, version: method.sinceText)
    }
}

/// Nova's `[upgrade_levels]`: per API, the version callers may send during a rolling upgrade.
public enum UpgradeLevels {
    public static let section = "upgrade_levels"

    /// The pin for `API`, nil when unset or `auto` (Nova's `auto` asks the service versions in the database;
    /// here it means "the current version").
    public static func pin<API: RPCAPIContract>(for _: API.Type, in config: NimbusConfig) throws -> RPCVersion? {
        guard let option = CoreOptions.upgradeLevel(API.name),
              let raw = option.read(config)?.trimmingCharacters(in: .whitespaces), !raw.isEmpty, raw != "auto"
        else { return nil }
        guard let v = RPCVersion(raw) else {
            throw ConfigError.invalidValue(source: config.source(section, API.name), section: section,
                                           option: API.name, value: raw, expected: "a version major.minor or auto")
        }
        return v
    }
}

extension RPCEndpoint {
    /// An endpoint serving `API` at its current version.
    public init<API: RPCAPIContract>(_: API.Type) {
        self.init(namespace: API.namespace, version: API.version.description)
    }

    /// Registers the handler of a typed method.
    public mutating func on<API, A, R>(_ method: RPCMethod<API, A, R>, _ body: @escaping @Sendable (A) async throws -> R) {
        on(method.name, body)
    }
}
