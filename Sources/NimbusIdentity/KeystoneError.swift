import Foundation
import NimbusJSON
import HTTPTypes
import Hummingbird
import NIOCore

/// An Identity API error with Keystone's body: `{"error": {"code": N, "message": "…", "title": "…"}}`.
struct KeystoneError: Error, HTTPResponseError, Sendable {
    var status: HTTPResponse.Status
    var message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    static func badRequest(_ m: String) -> KeystoneError {
        KeystoneError(.badRequest, m + " The server could not comply with the request since it is either malformed or "
                      + "otherwise incorrect. The client is assumed to be in error.")
    }
    static func unauthorized(_ m: String = "The request you have made requires authentication.") -> KeystoneError {
        KeystoneError(.unauthorized, m)
    }
    static func forbidden(_ m: String = "You are not authorized to perform the requested action.") -> KeystoneError {
        KeystoneError(.forbidden, m)
    }
    static func notFound(_ m: String) -> KeystoneError { KeystoneError(.notFound, m) }
    static func conflict(_ m: String) -> KeystoneError {
        KeystoneError(.conflict, "Conflict occurred attempting to store \(m)")
    }

    /// Keystone's titles are the reason phrases.
    var title: String {
        switch status.code {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 413: "Request Entity Too Large"
        default: status.reasonPhrase.isEmpty ? "Internal Server Error" : status.reasonPhrase
        }
    }

    var body: JSON { ["error": ["code": .int(status.code), "message": .string(message), "title": .string(title)]] }

    func response(from request: Request, context: some Hummingbird.RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if status == .unauthorized {
            // keystonemiddleware and keystoneauth read where to authenticate from this header.
            headers[.wwwAuthenticate] = "Keystone uri=\"\(IdentityAPI.baseURL(request))\""
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.encoded())))
    }
}

func json(_ status: HTTPResponse.Status, _ body: JSON, headers extra: HTTPFields = [:]) -> Response {
    var headers = extra
    headers[.contentType] = "application/json"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.encoded())))
}

func empty(_ status: HTTPResponse.Status, headers extra: HTTPFields = [:]) -> Response {
    var headers = extra
    headers[.contentLength] = "0"
    return Response(status: status, headers: headers, body: .init())
}

extension HTTPField.Name {
    static let authToken = HTTPField.Name("X-Auth-Token")!
    static let subjectToken = HTTPField.Name("X-Subject-Token")!
    static let openStackRequestID = HTTPField.Name("X-OpenStack-Request-ID")!
}

/// Keystone's timestamps: `2099-01-01T00:00:00.000000Z`.
enum KeystoneTime {
    static func format(_ d: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: d)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!,
                      c.second!, (c.nanosecond ?? 0) / 1000)
    }
}
