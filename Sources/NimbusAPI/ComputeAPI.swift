import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NimbusKernel
import NimbusRPC
import NimbusStore

/// The OpenStack Compute API v2.1 (the routes of the foundation; the rest arrive with the API issue).
public struct ComputeAPI: Sendable {
    let store: NimbusStore
    let conductor: RPCClient
    let compute: RPCClient
    let serviceDownTime: Double
    let maxLimit: Int
    let defaultAZ: String
    let logger: Logger

    public init(store: NimbusStore, transport: any Transport, config: NimbusConfig, logger: Logger) throws {
        self.store = store
        let timeout = Duration.seconds(try config.double("DEFAULT", "rpc_response_timeout", default: 60))
        conductor = RPCClient(transport: transport, target: TransportTarget(topic: Topics.conductor),
                              namespace: Topics.computeTask, version: Topics.computeTaskVersion, timeout: timeout)
        compute = RPCClient(transport: transport, target: TransportTarget(topic: Topics.compute),
                            version: Topics.computeVersion, timeout: timeout)
        serviceDownTime = try ServiceTiming(config: config).serviceDownTime
        maxLimit = try config.int("api", "max_limit", default: 1000)
        defaultAZ = config.string("DEFAULT", "default_availability_zone", default: "nova")
        self.logger = logger
    }

    /// The router with every route under `/v2.1` and the legacy `/v2` prefix.
    public func router() -> Router<NimbusRequestContext> {
        let router = Router(context: NimbusRequestContext.self)
        router.add(middleware: APIMiddleware())
        router.get("/") { req, _ in try json(.ok, versionsDocument(req)) }
        for prefix in ["v2.1", "v2"] {
            router.get(RouterPath(prefix)) { req, _ in try json(.ok, versionDocument(req, prefix: prefix)) }
            let g = router.group(RouterPath(prefix))
            addServerRoutes(g)
            addFlavorRoutes(g)
            addServiceRoutes(g)
            addHypervisorRoutes(g)
        }
        return router
    }

    // MARK: versions

    func versionsDocument(_ req: Request) -> JSON {
        let base = Self.baseURL(req)
        return ["versions": [
            ["id": "v2.0", "status": "DEPRECATED", "version": "", "min_version": "", "updated": "2025-07-04T12:00:00Z",
             "links": [["rel": "self", "href": .string(base + "/v2/")]]],
            ["id": "v2.1", "status": "CURRENT", "version": .string("\(APIVersion.max)"),
             "min_version": .string("\(APIVersion.min)"), "updated": "2013-07-23T11:33:21Z",
             "links": [["rel": "self", "href": .string(base + "/v2.1/")]]],
        ]]
    }

    func versionDocument(_ req: Request, prefix: String) -> JSON {
        let base = Self.baseURL(req)
        let v2 = prefix == "v2"
        return ["version": [
            "id": .string(v2 ? "v2.0" : "v2.1"), "status": v2 ? "DEPRECATED" : "CURRENT",
            "version": v2 ? "" : .string("\(APIVersion.max)"), "min_version": v2 ? "" : .string("\(APIVersion.min)"),
            "updated": v2 ? "2025-07-04T12:00:00Z" : "2013-07-23T11:33:21Z",
            "links": [["rel": "self", "href": .string("\(base)/\(prefix)/")],
                      ["rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"]],
            "media-types": [["base": "application/json",
                             "type": .string("application/vnd.openstack.compute+json;version=\(v2 ? "2" : "2.1")")]],
        ]]
    }

    // MARK: helpers

    static func baseURL(_ req: Request) -> String {
        let host = req.head.authority ?? "127.0.0.1"
        return "http://\(host)"
    }

    static func body(_ req: Request) async throws -> JSON {
        var req = req
        let buffer = try await req.collectBody(upTo: 1 << 20)
        guard buffer.readableBytes > 0 else { throw NovaError.badRequest("The request body is empty.") }
        do { return try JSON.decode(Data(buffer.readableBytesView)) } catch {
            throw NovaError.badRequest("Malformed request body")
        }
    }

    static func uuid(_ s: String?, kind: String = "Instance") throws -> UUID {
        guard let s, let id = UUID(uuidString: s) else {
            throw NovaError.notFound("\(kind) \(s ?? "") could not be found.")
        }
        return id
    }

    func isUp(_ s: ServiceRecord?) -> Bool { s?.isUp(serviceDownTime: serviceDownTime) ?? false }
}

func json(_ status: HTTPResponse.Status, _ body: JSON, headers extra: HTTPFields = [:]) throws -> Response {
    var headers = extra
    headers[.contentType] = "application/json"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.encoded())))
}

func empty(_ status: HTTPResponse.Status) -> Response {
    Response(status: status, headers: [.contentLength: "0"], body: .init())
}

/// Nova's timestamp formats.
enum NovaTime {
    static func iso(_ d: Date?) -> JSON {
        guard let d else { return .null }
        return .string(format(d, fraction: false) + "Z")
    }

    /// `2025-01-01T00:00:00.000000` (launched_at, services' updated_at).
    static func micro(_ d: Date?) -> JSON {
        guard let d else { return .null }
        return .string(format(d, fraction: true))
    }

    static func format(_ d: Date, fraction: Bool) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: d)
        let base = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
        return fraction ? base + String(format: ".%06d", (c.nanosecond ?? 0) / 1000) : base
    }
}
