import Foundation
import NimbusJSON
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NimbusStore

/// An Image API error. Glance answers with webob's JSON error body: `{"code": "404 Not Found", "title": …,
/// "message": …}`; clients show `message`.
struct GlanceError: Error, HTTPResponseError, Sendable {
    var status: HTTPResponse.Status
    var message: String
    /// For 401s: where to authenticate (`WWW-Authenticate: Keystone uri=…`, as keystonemiddleware sends).
    var authURI: String?

    init(_ status: HTTPResponse.Status, _ message: String, authURI: String? = nil) {
        self.status = status
        self.message = message
        self.authURI = authURI
    }

    static func badRequest(_ m: String) -> GlanceError { GlanceError(.badRequest, m) }
    static func forbidden(_ m: String) -> GlanceError { GlanceError(.forbidden, m) }
    static func notFound(_ id: String) -> GlanceError { GlanceError(.notFound, "No image found with ID \(id)") }
    static func conflict(_ m: String) -> GlanceError { GlanceError(.conflict, m) }

    var title: String {
        switch status.code {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 410: "Gone"
        case 413: "Request Entity Too Large"
        case 415: "Unsupported Media Type"
        default: "Internal Server Error"
        }
    }

    func response(from request: Request, context: some Hummingbird.RequestContext) throws -> Response {
        let body: JSON = ["code": .string("\(status.code) \(title)"), "title": .string(title), "message": .string(message)]
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let authURI { headers[.wwwAuthenticate] = "Keystone uri=\"\(authURI)\"" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.encoded())))
    }
}

func json(_ status: HTTPResponse.Status, _ body: JSON, headers extra: HTTPFields = [:]) -> Response {
    var headers = extra
    headers[.contentType] = "application/json"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.encoded())))
}

func empty(_ status: HTTPResponse.Status) -> Response {
    Response(status: status, headers: [.contentLength: "0"], body: .init())
}

/// Request ids on every response; every error in Glance's shape.
struct ImageMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    static let requestID = HTTPField.Name("X-OpenStack-Request-ID")!
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let rid = "req-" + UUID().uuidString.lowercased()
        var response: Response
        do {
            if ImageInputGuard.urlHasNUL(request.uri.string) {
                throw GlanceError.badRequest("Invalid input: the URL must not contain NUL (%00).")
            }
            response = try await next(request, context)
        } catch let e as GlanceError {
            response = try e.response(from: request, context: context)
        } catch let e as StoreError {
            switch e {
            case .notFound(_, let id): response = try GlanceError.notFound(id).response(from: request, context: context)
            case .conflict(let why): response = try GlanceError.conflict(why).response(from: request, context: context)
            default:
                logger.error("image store error: \(e)")
                response = try GlanceError(.internalServerError, "Internal error").response(from: request, context: context)
            }
        } catch let e as HTTPError {
            let message = e.status == .notFound ? "The resource could not be found." : (e.body ?? e.status.reasonPhrase)
            response = try GlanceError(e.status, message).response(from: request, context: context)
        } catch {
            logger.error("unexpected image API error: \(error)", metadata: ["request_id": "\(rid)"])
            response = try GlanceError(.internalServerError, "Internal error").response(from: request, context: context)
        }
        response.headers[Self.requestID] = rid
        return response
    }
}

/// Form-decoded query parameters (`+` is a space, as Python's clients encode them), repeated keys kept.
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
    func all(_ key: String) -> [String] { items.filter { $0.0 == key }.map(\.1) }
}

/// Glance's timestamps: `2025-01-01T00:00:00Z`.
enum GlanceTime {
    static func format(_ d: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: d)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }
}
