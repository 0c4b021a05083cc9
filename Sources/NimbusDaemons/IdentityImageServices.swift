import Foundation
import Logging
import NimbusAPI
import NimbusIdentity
import NimbusImage
import NimbusKernel
import NeutronClient
import NimbusNetwork
import NimbusStore
import ServiceLifecycle
import Synchronization

/// The built-in Identity v3 and Image v2 services of a controller, and the token validator every API uses:
/// the built-in identity's, or an external Keystone's when `[keystone_authtoken] auth_url` is set.
public final class IdentityImageServices: Sendable {
    public let identity: IdentityService?
    public let image: ImageAPI?
    /// The built-in Networking v2 API; nil with `[network] enabled = false` or an external Neutron.
    public let network: NetworkAPI?
    /// `[neutron] url`: an external Neutron named in the catalog instead of ours.
    public let externalNeutron: String?
    /// Validates `X-Auth-Token` for the Compute and Image APIs.
    public let validator: any TokenValidator
    /// `[glance] api_servers`: an external Glance named in the catalog instead of ours.
    public let externalGlance: String?
    let ports = BoundPorts()
    let runtime: NimbusRuntime
    let store: NimbusStore

    public init(runtime: NimbusRuntime, store: NimbusStore) throws {
        self.runtime = runtime
        self.store = store
        let cfg = runtime.config
        let externalKeystone = IdentityOptions.authURL.read(cfg) != nil
        externalGlance = ImageOptions.apiServers.read(cfg)?.first
        externalNeutron = NeutronClientOptions.url.read(cfg)
        let ports = ports
        let hosts = (identity: Self.advertised(IdentityOptions.listen.read(cfg), runtime),
                     compute: Self.advertised(APIOptions.listen.read(cfg), runtime),
                     image: Self.advertised(ImageOptions.listen.read(cfg), runtime),
                     network: Self.advertised(NetworkOptions.listen.read(cfg), runtime))
        let computePort = try APIOptions.listenPort.read(cfg), identityPort = try IdentityOptions.port.read(cfg)
        let glance = externalGlance, neutron = externalNeutron
        if try IdentityOptions.enabled.read(cfg) && !externalKeystone {
            let catalog: CatalogProvider = {
                // Runtime ports (port 0 binds a free one); before a service binds, its configured port.
                var entries = [
                    CatalogEntry(type: "identity", name: "keystone",
                                 url: "http://\(hosts.identity):\(ports.current("identity") ?? identityPort)/v3"),
                    CatalogEntry(type: "compute", name: "nova",
                                 url: "http://\(hosts.compute):\(ports.current("compute") ?? computePort)/v2.1"),
                ]
                if let glance { entries.append(CatalogEntry(type: "image", name: "glance", url: glance)) }
                else if let p = ports.current("image") {
                    entries.append(CatalogEntry(type: "image", name: "glance", url: "http://\(hosts.image):\(p)"))
                }
                if let neutron { entries.append(CatalogEntry(type: "network", name: "neutron", url: neutron)) }
                else if let p = ports.current("network") {
                    entries.append(CatalogEntry(type: "network", name: "neutron", url: "http://\(hosts.network):\(p)"))
                }
                return entries
            }
            let identity = try IdentityService(store: store, config: try IdentityConfig(config: cfg, statePath: runtime.statePath),
                                               catalog: catalog, logger: runtime.logger)
            self.identity = identity
            validator = identity.tokenValidator
        } else if externalKeystone {
            identity = nil
            validator = try KeystoneTokenValidator(config: cfg, logger: runtime.logger)
        } else {
            identity = nil
            validator = NoIdentity()
        }
        if try ImageOptions.enabled.read(cfg) && externalGlance == nil {
            image = try ImageAPI(store: store, validator: validator,
                                 config: try ImageConfig(config: cfg, statePath: runtime.statePath),
                                 authURI: IdentityOptions.wwwAuthenticateURI.read(cfg)
                                     ?? "http://\(hosts.identity):\(identityPort)",
                                 logger: runtime.logger)
        } else {
            image = nil
        }
        if try NetworkOptions.enabled.read(cfg) && externalNeutron == nil {
            network = NetworkAPI(store: store, validator: validator, config: try NetworkConfig(config: cfg),
                                 authURI: IdentityOptions.wwwAuthenticateURI.read(cfg) ?? "http://\(hosts.identity):\(identityPort)",
                                 logger: runtime.logger)
        } else {
            network = nil
        }
    }

    /// Where the built-in image service of a controller sharing this config keeps image bytes (the conductor
    /// serves them to computes); nil with an external Glance or the image service off.
    public static func imageDataDirectory(_ runtime: NimbusRuntime) throws -> String? {
        let cfg = runtime.config
        guard try ImageOptions.enabled.read(cfg), ImageOptions.apiServers.read(cfg) == nil else { return nil }
        return try ImageConfig(config: cfg, statePath: runtime.statePath).dataDirectory
    }

    /// `[identity] admin_password`, used by the first-start bootstrap.
    public var adminPassword: String { IdentityOptions.adminPassword.read(runtime.config) }

    /// Creates the admin user, project and roles when there is no admin yet (`keystone-manage bootstrap`).
    public func bootstrapIfNeeded() async throws {
        guard let identity, try await IdentityBootstrap.needed(store) else { return }
        var b = IdentityBootstrap(adminPassword: adminPassword)
        b.region = identity.config.region
        let result = try await b.run(store: store, hasher: identity.hasher)
        runtime.logger.info("identity bootstrapped", metadata: ["created": "\(result.created)"])
    }

    /// The HTTP services to run. Unset ports follow the compute API's: when it binds port 0 (tests), so do they.
    public func services() throws -> [any Service] {
        let cfg = runtime.config
        let followZero = try APIOptions.listenPort.read(cfg) == 0
        var out: [any Service] = []
        if let identity {
            let port = try followZero && !IdentityOptions.port.isSet(cfg) ? 0 : IdentityOptions.port.read(cfg)
            out.append(IdentityAPI(identity: identity).service(host: IdentityOptions.listen.read(cfg),
                                                               port: port, onBound: { self.ports.set("identity", $0) }))
        }
        if let image {
            let port = try followZero && !ImageOptions.port.isSet(cfg) ? 0 : ImageOptions.port.read(cfg)
            out.append(image.service(host: ImageOptions.listen.read(cfg), port: port,
                                     onBound: { self.ports.set("image", $0) }))
        }
        if let network {
            let port = try followZero && !NetworkOptions.port.isSet(cfg) ? 0 : NetworkOptions.port.read(cfg)
            out.append(network.service(host: NetworkOptions.listen.read(cfg), port: port,
                                       onBound: { self.ports.set("network", $0) }))
        }
        return out
    }

    /// The bound port of "identity", "image", "network" or "compute", waiting until it listens.
    public func port(_ name: String) async -> Int { await ports.wait(name) }

    /// A listen address as clients reach it: a wildcard means this host's name.
    /// Where the image service answers (an external Glance, or ours once bound): createImage's `Location`.
    public func imageURL() -> String? {
        if let externalGlance { return externalGlance }
        guard image != nil, let p = ports.current("image") else { return nil }
        return "http://\(Self.advertised(ImageOptions.listen.read(runtime.config), runtime)):\(p)"
    }

    static func advertised(_ listen: String, _ runtime: NimbusRuntime) -> String {
        ["0.0.0.0", "::", "[::]"].contains(listen) ? runtime.host : listen
    }
}

/// Bound ports by service name, with waiters for those not bound yet.
final class BoundPorts: Sendable {
    private struct State {
        var ports: [String: Int] = [:]
        var waiters: [String: [CheckedContinuation<Int, Never>]] = [:]
    }

    private let state = Mutex(State())

    func set(_ name: String, _ port: Int) {
        let waiters = state.withLock { s in
            s.ports[name] = port
            return s.waiters.removeValue(forKey: name) ?? []
        }
        for w in waiters { w.resume(returning: port) }
    }

    func current(_ name: String) -> Int? { state.withLock { $0.ports[name] } }

    func wait(_ name: String) async -> Int {
        await withCheckedContinuation { c in
            let port: Int? = state.withLock { s in
                if let p = s.ports[name] { return p }
                s.waiters[name, default: []].append(c)
                return nil
            }
            if let port { c.resume(returning: port) }
        }
    }
}

/// No identity service and no external Keystone: every token is refused.
struct NoIdentity: TokenValidator {
    func validate(token: String) async throws -> AuthContext {
        throw TokenError.invalid("no identity service: enable [identity] or set [keystone_authtoken] auth_url")
    }
}
