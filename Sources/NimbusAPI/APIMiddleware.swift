import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NimbusKernel

/// Stamps every response with Nova's request-id and microversion headers, negotiates the microversion,
/// and runs the handler with the request id as task-local context so RPC carries it across services.
struct APIMiddleware: RouterMiddleware {
    typealias Context = NimbusRequestContext

    static let requestIDHeader = HTTPField.Name("X-OpenStack-Request-ID")!
    static let computeRequestIDHeader = HTTPField.Name("X-Compute-Request-Id")!
    static let vary = HTTPField.Name("Vary")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        let rid = RequestContext.newRequestID()
        context.requestID = rid
        context.coreContext.parameters = Self.percentDecoded(context.parameters)
        let versioned = request.uri.path.hasPrefix("/v2.1")
        var response: Response
        do {
            // A NUL in a path or query value would reach SQLite cut short (text is bound as a C string).
            let target = request.uri.description
            if target.utf8.contains(0) || target.contains("%00") {
                throw NovaError.badRequest("Invalid input: the URL contains a null character.")
            }
            if versioned { context.microversion = try APIVersion.from(request.headers) }
            let ctx = context
            response = try await RequestContext.$requestID.withValue(rid) { try await next(request, ctx) }
        } catch let error as NovaError {
            response = try error.response(from: request, context: context)
        } catch let error as HTTPError {
            // Router errors (unknown path, wrong method) in Nova's body shape.
            response = try NovaError(error.status, error.body ?? error.status.reasonPhrase).response(from: request,
                                                                                                     context: context)
        } catch {
            context.logger.error("unexpected API error: \(error)", metadata: ["request_id": "\(rid)"])
            response = try NovaError(.internalServerError, "Unexpected API Error. \(type(of: error))")
                .response(from: request, context: context)
        }
        response.headers[Self.requestIDHeader] = rid
        response.headers[Self.computeRequestIDHeader] = rid
        if versioned {
            response.headers[APIVersion.headerName] = "compute \(context.microversion)"
            response.headers[APIVersion.legacyHeaderName] = "\(context.microversion)"
            response.headers[Self.vary] = "OpenStack-API-Version, X-OpenStack-Nova-API-Version"
        }
        return response
    }

    /// Path parameters as Nova's handlers get them: WSGI hands Routes a percent-decoded PATH_INFO, so
    /// `/servers/%31…` names server `1…` and `/os-keypairs/my%20key` keypair `my key`. Hummingbird gives the raw
    /// segment; decoding here serves every route. A malformed escape stays as sent (it then matches nothing).
    static func percentDecoded(_ p: Parameters) -> Parameters {
        guard p.contains(where: { $0.value.contains("%") }) else { return p }
        return Parameters(p.map { (key: $0.key, value: $0.value.removingPercentEncoding.map { Substring($0) } ?? $0.value) })
    }

    /// Every route also exists as `/v2.1/{project_id}/…` (catalogs may carry the project id); the id is
    /// dropped so one route table serves both.
    /// The project id a `/v2.1/{project_id}/…` URL named, handed from the rewrite to the auth check (any
    /// such header a client sends is dropped first).
    static let urlProjectHeader = HTTPField.Name("X-Nimbus-URL-Project-Id")!

    static func strippingProjectID(_ request: Request) -> Request {
        var head = request.head
        head.headerFields[urlProjectHeader] = nil
        let path = request.uri.path
        let parts = path.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0].isEmpty, parts[1] == "v2.1" || parts[1] == "v2" else {
            return Request(head: head, body: request.body)
        }
        let seg = parts[2].prefix(while: { $0 != "/" })
        let hex = seg.filter { $0 != "-" }
        guard (hex.count == 32 && hex.allSatisfy(\.isHexDigit)) || seg == "admin" else {
            return Request(head: head, body: request.body)
        }
        let rest = parts[2].dropFirst(seg.count)
        let query = request.uri.query.map { "?" + $0 } ?? ""
        head.path = "/\(parts[1])\(rest)\(query)"
        head.headerFields[urlProjectHeader] = String(seg)
        return Request(head: head, body: request.body)
    }
}

/// The compute router behind the project-id rewrite: routing happens before router middleware runs, so the
/// `/v2.1/{project_id}/…` form is mapped to `/v2.1/…` in front of the router.
public struct ComputeResponder: HTTPResponder {
    public typealias Context = NimbusRequestContext
    let router: RouterResponder<NimbusRequestContext>

    public init(router: Router<NimbusRequestContext>) { self.router = router.buildResponder() }

    public func respond(to request: Request, context: Context) async throws -> Response {
        try await router.respond(to: APIMiddleware.strippingProjectID(request), context: context)
    }
}
