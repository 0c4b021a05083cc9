import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NimbusJSON

/// An API error with Nova's body: `{"<faultName>": {"code": N, "message": "…"}}`.
/// This is the only place errors become HTTP statuses.
public struct NovaError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var message: String

    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    public static func badRequest(_ m: String) -> NovaError { NovaError(.badRequest, m) }
    public static func notFound(_ m: String) -> NovaError { NovaError(.notFound, m) }
    public static func conflict(_ m: String) -> NovaError { NovaError(.conflict, m) }
    public static func forbidden(_ m: String) -> NovaError { NovaError(.forbidden, m) }

    /// Nova's fault names per status (nova/api/openstack/wsgi.py `Fault._fault_names`).
    public var faultName: String {
        switch status.code {
        case 400: "badRequest"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "itemNotFound"
        case 405: "badMethod"
        case 409: "conflictingRequest"
        case 413, 429: "overLimit"
        case 415: "badMediaType"
        case 501: "notImplemented"
        case 503: "serviceUnavailable"
        default: "computeFault"
        }
    }

    public var body: JSON { .object([faultName: ["code": .int(status.code), "message": .string(message)]]) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=UTF-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.encoded())))
    }
}
