import ComputeRPC
import ConductorRPC
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NimbusJSON
import NimbusKernel
import NeutronClient
import NimbusRPC
import NimbusStore

/// The OpenStack Compute API v2.1 with microversions up to `APIVersion.max`.
public struct ComputeAPI: Sendable {
    let store: NimbusStore
    let conductor: ComputeTaskRPCClient
    let compute: ComputeRPCClient
    let serviceDownTime: Double
    let maxLimit: Int
    /// `[api] max_instances_per_request`: bounds a multi-create before anything is allocated for it.
    let maxInstancesPerRequest: Int
    let defaultAZ: String
    let internalAZ: String
    let defaultQuotas: [String: Int]
    let allowResizeToSameHost: Bool
    /// `reclaim_instance_interval`: > 0 makes DELETE a soft delete.
    let reclaimInstanceInterval: Int
    /// `[consoleauth] token_ttl`.
    let consoleTokenTTL: Int
    let validator: (any TokenValidator)?
    /// The Networking API (built in or `[neutron] url`); nil: servers get no networks (`networks` lists 400).
    public var neutron: NeutronClient?
    /// The image service's endpoint (createImage's `Location` before 2.45); nil when unknown.
    public var imageEndpoint: @Sendable () -> String? = { nil }
    /// False under noauth2 (no validator).
    public var requiresToken: Bool { validator != nil }
    let logger: Logger

    /// `validator` nil is noauth: every request acts as the admin of project "admin".
    public init(store: NimbusStore, transport: any Transport, config: NimbusConfig, logger: Logger,
                validator: (any TokenValidator)? = nil) throws {
        self.store = store
        self.validator = validator
        internalAZ = APIOptions.internalServiceAvailabilityZone.read(config)
        var quotas: [String: Int] = [:]
        for q in APIOptions.quotas { quotas[q.name] = try q.read(config) }
        defaultQuotas = quotas
        let timeout = Duration.seconds(try CoreOptions.rpcResponseTimeout.read(config))
        // Pinned by `[upgrade_levels] compute_task` and `compute` during a rolling upgrade.
        conductor = try ComputeTaskRPCClient(transport: transport, config: config, timeout: timeout)
        compute = try ComputeRPCClient(transport: transport, config: config, timeout: timeout)
        serviceDownTime = try ServiceTiming(config: config).serviceDownTime
        maxLimit = try APIOptions.maxLimit.read(config)
        maxInstancesPerRequest = max(1, try APIOptions.maxInstancesPerRequest.read(config))
        defaultAZ = APIOptions.defaultAvailabilityZone.read(config)
        allowResizeToSameHost = try APIOptions.allowResizeToSameHost.read(config)
        reclaimInstanceInterval = try CoreOptions.reclaimInstanceInterval.read(config)
        consoleTokenTTL = try ConsoleOptions.tokenTTL.read(config)
        self.logger = logger
    }

    /// The router with every route under `/v2.1` and the legacy `/v2` prefix.
    public func router() -> Router<NimbusRequestContext> {
        let router = Router(context: NimbusRequestContext.self)
        router.add(middleware: APIMiddleware())
        router.add(middleware: AuthMiddleware(validator: validator))
        router.get("/") { req, _ in try json(.ok, versionsDocument(req)) }
        router.get("/openapi.json") { _, _ in try json(.ok, OpenAPIDocument.document()) }
        for prefix in ["v2.1", "v2"] {
            router.get(RouterPath(prefix)) { req, _ in try json(.ok, versionDocument(req, prefix: prefix)) }
            let g = router.group(RouterPath(prefix))
            addServerRoutes(g)
            addServerActionRoutes(g)
            addMigrationRoutes(g)
            addServerSubresourceRoutes(g)
            addServerInterfaceRoutes(g)
            addUnsupportedServerRoutes(g)
            addRemoteConsoleRoutes(g)
            addFlavorRoutes(g)
            addFlavorExtraRoutes(g)
            addKeypairRoutes(g)
            addServerGroupRoutes(g)
            addAggregateRoutes(g)
            addAvailabilityZoneRoutes(g)
            addServiceRoutes(g)
            addHypervisorRoutes(g)
            addHostRoutes(g)
            addLimitsQuotaRoutes(g)
            addQuotaClassRoutes(g)
            addUsageRoutes(g)
            addRemovedRoutes(g)
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

    static func uuid(_ s: String?, kind: String = "Instance") throws -> UUID {
        guard let s, let id = UUID(uuidString: s) else {
            throw NovaError.notFound("\(kind) \(s ?? "") could not be found.")
        }
        return id
    }

    func isUp(_ s: ServiceRecord?) -> Bool { s?.isUp(serviceDownTime: serviceDownTime) ?? false }

    /// Maps store errors to Nova's statuses for the handlers that pass them through.
    static func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let e as StoreError {
            switch e {
            case .notFound: throw NovaError.notFound(e.description)
            case .conflict(let m): throw NovaError.conflict(m)
            default: throw e
            }
        } catch let q as QuotaExceeded {
            throw NovaError.forbidden("Quota exceeded for \(q.resource): Requested \(q.requested), but already used \(q.used) of \(q.allowed) \(q.resource)")
        }
    }

    /// Query parameters as a dictionary of lists (Nova reads repeated keys).
    static func query(_ req: Request) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for (k, v) in req.uri.queryParameters { out[String(k), default: []].append(String(v).removingPercentEncoding ?? String(v)) }
        return out
    }

    /// Nova's `next` link of a full page: the request's own parameters (filters and sort kept, keys sorted)
    /// with `limit` and `marker` set, so a client that follows it pages through the same listing.
    static func nextLink(_ req: Request, _ collection: String, limit: Int, marker: String) -> JSON {
        let allowed = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+;#"))
        func enc(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s }
        let q = query(req)
        var params = q.keys.filter { $0 != "marker" && $0 != "limit" }.sorted()
            .flatMap { k in (q[k] ?? []).map { "\(enc(k))=\(enc($0))" } }
        params += ["limit=\(limit)", "marker=\(enc(marker))"]
        return [["rel": "next", "href": .string("\(baseURL(req))/v2.1/\(collection)?" + params.joined(separator: "&"))]]
    }

    /// `limit` / `marker` of a paged list (`limit` above `[api] max_limit` is capped).
    func page(_ q: [String: [String]]) throws -> (limit: Int, marker: String?) {
        var limit = maxLimit
        if let l = q["limit"]?.last {
            guard let n = Int(l), n >= 0 else { throw NovaError.badRequest("limit param must be an integer") }
            limit = min(n, maxLimit)
        }
        return (limit, q["marker"]?.last)
    }
}

func json(_ status: HTTPResponse.Status, _ body: JSON, headers extra: HTTPFields = [:]) throws -> Response {
    var headers = extra
    headers[.contentType] = "application/json"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.encodedBytes())))
}

/// A JSON response from an already serialized body.
func json(_ status: HTTPResponse.Status, bytes: UnsafeBufferPointer<UInt8>) -> Response {
    Response(status: status, headers: [.contentType: "application/json"],
             body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
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

    /// Hand-written (proleptic Gregorian, UTC): Calendar.dateComponents + String(format:) cost ~20 µs per
    /// timestamp on Linux, which made timestamps a large share of `/servers/detail`. Output matches
    /// `foundationFormat` (tested over a range of dates, leap years and sub-second times included).
    static func format(_ d: Date, fraction: Bool) -> String {
        var out = String(unsafeUninitializedCapacity: 26) { fastFormat(d, fraction: fraction, into: $0) ?? 0 }
        if out.isEmpty { out = foundationFormat(d, fraction: fraction) }
        return out
    }

    /// `format` into `b` (at least 26 bytes), returning the count written; nil outside years 0-9999 (the
    /// caller then takes `foundationFormat`).
    static func fastFormat(_ d: Date, fraction: Bool, into b: UnsafeMutableBufferPointer<UInt8>) -> Int? {
        // Same arithmetic as Foundation's Gregorian calendar: whole seconds by flooring the reference-date
        // interval, the fraction from what is left (so rounding of sub-second values agrees).
        let t = d.timeIntervalSinceReferenceDate
        guard t.isFinite, abs(t) < 1e13 else { return nil }
        let whole = t.rounded(.down)
        let secs = Int(whole) + 978_307_200
        var days = secs / 86_400
        var sod = secs - days * 86_400
        if sod < 0 { sod += 86_400; days -= 1 }
        // Days since 1970-01-01 → civil date (Howard Hinnant's days_from_civil inverse).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        guard (0...9999).contains(year) else { return nil }
        let micros = Int((t - whole) * 1e9) / 1000
        let count = fraction ? 26 : 19
        func put(_ v: Int, _ at: Int, _ width: Int) {
            var v = v
            for k in stride(from: at + width - 1, through: at, by: -1) {
                b[k] = UInt8(truncatingIfNeeded: 48 + v % 10)
                v /= 10
            }
        }
        put(year, 0, 4); b[4] = 45; put(month, 5, 2); b[7] = 45; put(day, 8, 2); b[10] = 84
        put(sod / 3600, 11, 2); b[13] = 58; put(sod % 3600 / 60, 14, 2); b[16] = 58; put(sod % 60, 17, 2)
        if fraction { b[19] = 46; put(micros, 20, 6) }
        return count
    }

    /// The Foundation formatting `format` replaces (the reference its tests compare against).
    static func foundationFormat(_ d: Date, fraction: Bool) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: d)
        let base = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
        return fraction ? base + String(format: ".%06d", (c.nanosecond ?? 0) / 1000) : base
    }
}
