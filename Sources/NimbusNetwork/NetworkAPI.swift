import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NimbusJSON
import NimbusKernel
import NimbusStore

/// Settings of the built-in networking service (`[network]`).
public struct NetworkConfig: Sendable {
    public var limitMax: Int
    public var maxFixedIPs: Int
    public var maxDNSNameservers: Int

    public init(limitMax: Int = 1000, maxFixedIPs: Int = 5, maxDNSNameservers: Int = 5) {
        self.limitMax = limitMax
        self.maxFixedIPs = maxFixedIPs
        self.maxDNSNameservers = maxDNSNameservers
    }

    public init(config: NimbusConfig) throws {
        self.init(limitMax: max(1, try NetworkOptions.paginationMaxLimit.read(config)),
                  maxFixedIPs: max(1, try NetworkOptions.maxFixedIPsPerPort.read(config)),
                  maxDNSNameservers: max(0, try NetworkOptions.maxDNSNameservers.read(config)))
    }
}

/// The Networking v2.0 HTTP API (a Neutron subset): networks, subnets, ports, security groups and rules.
public struct NetworkAPI: Sendable {
    let store: NimbusStore
    let validator: any TokenValidator
    public let config: NetworkConfig
    let authURI: String?
    let logger: Logger

    public init(store: NimbusStore, validator: any TokenValidator, config: NetworkConfig = NetworkConfig(),
                authURI: String? = nil, logger: Logger) {
        self.store = store
        self.validator = validator
        self.config = config
        self.authURI = authURI
        self.logger = logger
    }

    /// Extensions we implement, as `GET /v2.0/extensions` lists them (clients probe some by alias).
    static let extensions: [(alias: String, name: String)] = [
        ("binding", "Port Binding"), ("external-net", "Neutron external network"),
        ("security-group", "security-group"), ("port-security", "Port Security"),
        ("standard-attr-description", "standard-attr-description"), ("standard-attr-revisions", "Resource revision numbers"),
        ("standard-attr-timestamp", "Resource timestamps"), ("project-id", "project_id field enabled"),
        ("pagination", "Pagination support"), ("filter-validation", "Filter parameters validation"),
        ("net-mtu", "Network MTU"), ("stateful-security-group", "Stateful security group"),
    ]

    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: NetworkMiddleware(logger: logger))
        router.get("/") { req, _ in json(.ok, Self.versions(req)) }
        router.get("/v2.0") { req, _ in
            _ = try await caller(req)
            return json(.ok, ["resources": .array(["network", "subnet", "port", "security_group", "security_group_rule"]
                .map { ["name": .string($0), "collection": .string($0 + "s"), "links": []] })])
        }
        router.get("/v2.0/extensions") { req, _ in
            _ = try await caller(req)
            return json(.ok, ["extensions": .array(Self.extensions.map(Self.extensionView))])
        }
        router.get("/v2.0/extensions/{alias}") { req, ctx in
            _ = try await caller(req)
            let alias = ctx.parameters.get("alias") ?? ""
            guard let e = Self.extensions.first(where: { $0.alias == alias }) else {
                throw NeutronError(.notFound, "ExtensionNotFound", "Extension with alias \(alias) does not exist")
            }
            return json(.ok, ["extension": Self.extensionView(e)])
        }
        addNetworkRoutes(router)
        addSubnetRoutes(router)
        addPortRoutes(router)
        addSecurityGroupRoutes(router)
        addQuotaRoutes(router)
        return router
    }

    static func extensionView(_ e: (alias: String, name: String)) -> JSON {
        ["alias": .string(e.alias), "name": .string(e.name), "description": .string(e.name), "links": [],
         "updated": "2013-01-01T00:00:00-00:00"]
    }

    /// Neutron's version document: one version, v2.0, CURRENT.
    static func versions(_ req: Request) -> JSON {
        let href = JSON.string("http://\(req.head.authority ?? "127.0.0.1")/v2.0/")
        return ["versions": [["id": "v2.0", "status": "CURRENT", "links": [["rel": "self", "href": href]]]]]
    }

    /// The caller, from `X-Auth-Token`; 401 when missing or invalid.
    func caller(_ req: Request) async throws -> AuthContext {
        guard let token = req.headers[HTTPField.Name("X-Auth-Token")!], !token.isEmpty else {
            throw NeutronError(.unauthorized, "Unauthorized", "The request you have made requires authentication.",
                               authURI: authURI)
        }
        do { return try await validator.validate(token: token) } catch is TokenError {
            throw NeutronError(.unauthorized, "Unauthorized", "The request you have made requires authentication.",
                               authURI: authURI)
        }
    }

    /// The request body's `{"<resource>": {…}}` object; 400 for anything else (Neutron's body checks).
    static func body(_ req: Request, resource: String) async throws -> [String: JSON] {
        var req = req
        let buffer: ByteBuffer
        do { buffer = try await req.collectBody(upTo: 114_688) } catch {
            throw NeutronError(.contentTooLarge, "HTTPRequestEntityTooLarge", "Request is too large.")
        }
        let decoded: JSON
        do { decoded = try JSON.decode(Data(buffer.readableBytesView)) } catch {
            throw NeutronError.badRequest("Malformed request body")
        }
        guard decoded.nulField() == nil else {
            throw NeutronError.badRequest("Invalid input: strings in the request body must not contain NUL (U+0000).")
        }
        guard let inner = decoded[resource]?.object else {
            throw NeutronError.badRequest("Resource body required")
        }
        return inner
    }
}
