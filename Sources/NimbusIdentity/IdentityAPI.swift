import Foundation
import NimbusJSON
import HTTPTypes
import Hummingbird
import Logging
import NimbusKernel
import NimbusStore

/// The Identity v3 HTTP API (a Keystone subset: tokens, catalog, domains, projects, users, roles and
/// role assignments) over `IdentityService`.
public struct IdentityAPI: Sendable {
    public let identity: IdentityService

    public init(identity: IdentityService) {
        self.identity = identity
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: IdentityMiddleware(identity: identity))
        router.get("/") { req, _ in json(.multipleChoices, ["versions": ["values": [Self.version(req)]]]) }
        router.get("/v3") { req, _ in json(.ok, ["version": Self.version(req)]) }
        addAuthRoutes(router)
        addResourceRoutes(router)
        addRoleRoutes(router)
        return router
    }

    static func version(_ req: Request) -> JSON {
        ["id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
         "links": [["rel": "self", "href": .string(baseURL(req) + "/v3/")]],
         "media-types": [["base": "application/json", "type": "application/vnd.openstack.identity-v3+json"]]]
    }

    // MARK: helpers

    static func baseURL(_ req: Request) -> String { "http://\(req.head.authority ?? "127.0.0.1")" }

    /// The caller, from `X-Auth-Token`; 401 when missing or invalid.
    func caller(_ req: Request) async throws -> ValidatedToken {
        guard let token = req.headers[.authToken], !token.isEmpty else { throw KeystoneError.unauthorized() }
        do { return try await identity.validate(token) } catch is TokenError { throw KeystoneError.unauthorized() }
    }

    /// Keystone's `admin_required`: the admin role (on any project, as Keystone's legacy policy has it).
    @discardableResult
    func requireAdmin(_ req: Request) async throws -> ValidatedToken {
        let t = try await caller(req)
        guard t.isAdmin else { throw KeystoneError.forbidden() }
        return t
    }

    /// The JSON object a request carries, as Keystone's json_body check takes it: a body in another media
    /// type, or one that is not a JSON object, is 400; then every string in it is checked (`KeystoneInputGuard`).
    static func body(_ req: Request) async throws -> JSON {
        var req = req
        let buffer: ByteBuffer
        do { buffer = try await req.collectBody(upTo: 114_688) }  // Keystone's max_request_body_size
        catch { throw KeystoneError(.contentTooLarge, "Request is too large.") }
        guard buffer.readableBytes > 0 else { throw KeystoneError.badRequest("The request body is empty.") }
        if let type = req.headers[.contentType], !KeystoneInputGuard.isJSON(type) {
            throw KeystoneError.badRequest("Expecting to find application/json in Content-Type header.")
        }
        let decoded: JSON
        do { decoded = try JSON.decode(Data(buffer.readableBytesView)) } catch {
            throw KeystoneError.badRequest("Malformed request body: not JSON.")
        }
        guard decoded.object != nil else { throw KeystoneError.badRequest("Malformed request body: not a JSON object.") }
        return try KeystoneInputGuard.check(decoded)
    }

    /// The resource object under `key` in a request body (`{"project": {...}}`).
    static func object(_ body: JSON, _ key: String) throws -> [String: JSON] {
        guard let o = body[key]?.object else { throw KeystoneError.badRequest("Expecting to find \(key) in request body.") }
        return o
    }

    static func string(_ o: [String: JSON], _ key: String, required: Bool = false, maxLength: Int = 255) throws -> String? {
        guard let v = o[key], !v.isNull else {
            if required { throw KeystoneError.badRequest("'\(key)' is a required property.") }
            return nil
        }
        guard let s = v.string else { throw KeystoneError.badRequest("Invalid input for field '\(key)': not a string.") }
        if required && s.trimmingCharacters(in: .whitespaces).isEmpty {
            throw KeystoneError.badRequest("Invalid input for field '\(key)': must not be empty.")
        }
        guard s.count <= maxLength else {
            throw KeystoneError.badRequest("Invalid input for field '\(key)': longer than \(maxLength) characters.")
        }
        return s
    }

    /// A resource name: a string as above, without control characters (they cannot be typed, shown or
    /// searched for, and a NUL would cut the stored name short).
    static func name(_ o: [String: JSON], required: Bool = false, maxLength: Int = 255) throws -> String? {
        guard let s = try string(o, "name", required: required, maxLength: maxLength) else { return nil }
        guard !KeystoneInputGuard.hasControlCharacters(s) else {
            throw KeystoneError.badRequest("Invalid input for field 'name': control characters are not allowed.")
        }
        return s
    }

    static func bool(_ o: [String: JSON], _ key: String) throws -> Bool? {
        guard let v = o[key], !v.isNull else { return nil }
        guard let b = v.bool else { throw KeystoneError.badRequest("Invalid input for field '\(key)': not a boolean.") }
        return b
    }

    static func newID() -> String { UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "") }

    static func collectionLinks(_ req: Request) -> JSON {
        ["self": .string(baseURL(req) + req.uri.path), "previous": nil, "next": nil]
    }
}

/// Form-decoded query parameters (`+` is a space, as Python's clients encode them).
struct Query {
    var items: [(String, String)] = []

    init(_ req: Request) {
        for pair in (req.uri.query ?? "").split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            items.append((kv[0], kv.count > 1 ? kv[1] : ""))
        }
    }

    subscript(_ key: String) -> String? { items.first { $0.0 == key }?.1 }
    func has(_ key: String) -> Bool { items.contains { $0.0 == key } }
}

/// Request ids on every response, and every error in Keystone's body shape.
struct IdentityMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let identity: IdentityService
    var logger: Logger { identity.logger }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let rid = NimbusKernel.RequestContext.newRequestID()
        var response: Response
        do {
            if KeystoneInputGuard.urlHasNUL(request.uri.string) {
                throw KeystoneError.badRequest("Invalid input: the URL must not contain NUL (%00).")
            }
            response = try await next(request, context)
        } catch let e as KeystoneError {
            response = try e.response(from: request, context: context)
        } catch let e as StoreError {
            switch e {
            case .notFound(let kind, let id):
                response = try KeystoneError.notFound("Could not find \(kind): \(id).").response(from: request, context: context)
            case .conflict(let why):
                response = try KeystoneError(.conflict, why).response(from: request, context: context)
            default:
                logger.error("identity store error: \(e)")
                response = try KeystoneError(.internalServerError, "An unexpected error prevented the server from "
                                             + "fulfilling your request.").response(from: request, context: context)
            }
        } catch let e as HTTPError {
            let message = e.status == .notFound ? "The resource could not be found." : (e.body ?? e.status.reasonPhrase)
            response = try KeystoneError(e.status, message).response(from: request, context: context)
        } catch {
            logger.error("unexpected identity error: \(error)", metadata: ["request_id": "\(rid)"])
            response = try KeystoneError(.internalServerError, "An unexpected error prevented the server from fulfilling "
                                         + "your request.").response(from: request, context: context)
        }
        // Any write may change what a token grants (roles, users, projects): drop cached validations.
        if request.method != .get && request.method != .head && request.uri.path != "/v3/auth/tokens" {
            identity.invalidateCache()
        }
        response.headers[.openStackRequestID] = rid
        return response
    }
}
