import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NimbusJSON
import NimbusStore

/// A Networking API error in Neutron's body: `{"NeutronError": {"type": "NetworkNotFound", "message": …,
/// "detail": ""}}`; `type` is the name of Neutron's exception class, which clients match on.
struct NeutronError: Error, HTTPResponseError, Sendable {
    var status: HTTPResponse.Status
    var type: String
    var message: String
    /// For 401s: keystonemiddleware's body and `WWW-Authenticate` instead of Neutron's.
    var authURI: String?

    init(_ status: HTTPResponse.Status, _ type: String, _ message: String, authURI: String? = nil) {
        self.status = status
        self.type = type
        self.message = message
        self.authURI = authURI
    }

    static func badRequest(_ m: String) -> NeutronError { NeutronError(.badRequest, "HTTPBadRequest", m) }
    /// `Invalid input for <attribute>. Reason: <why>.`, as Neutron's attribute validators answer.
    static func invalid(_ attribute: String, _ why: String) -> NeutronError {
        badRequest("Invalid input for \(attribute). Reason: \(why).")
    }
    static func policy(_ rule: String) -> NeutronError {
        NeutronError(.forbidden, "PolicyNotAuthorized", "(\(rule)) is disallowed by policy")
    }
    static func networkNotFound(_ id: String) -> NeutronError {
        NeutronError(.notFound, "NetworkNotFound", "Network \(id) could not be found.")
    }
    static func subnetNotFound(_ id: String) -> NeutronError {
        NeutronError(.notFound, "SubnetNotFound", "Subnet \(id) could not be found.")
    }
    static func portNotFound(_ id: String) -> NeutronError {
        NeutronError(.notFound, "PortNotFound", "Port \(id) could not be found.")
    }
    static func securityGroupNotFound(_ id: String) -> NeutronError {
        NeutronError(.notFound, "SecurityGroupNotFound", "Security group \(id) does not exist")
    }
    static func ruleNotFound(_ id: String) -> NeutronError {
        NeutronError(.notFound, "SecurityGroupRuleNotFound", "Security group rule \(id) does not exist")
    }

    /// Neutron's exception for an address that could not be given to a port.
    init(_ e: IPAllocationError) {
        switch e {
        case .exhausted(let net):
            self.init(.conflict, "IpAddressGenerationFailure", "No more IP addresses available on network \(net).")
        case .inUse(let ip, let subnet):
            self.init(.conflict, "IpAddressAlreadyAllocated", "IP address \(ip) already allocated in subnet \(subnet)")
        case .invalid(let ip):
            self.init(.badRequest, "InvalidIpForNetwork",
                      "IP address \(ip) is not a valid IP for any of the subnets on the specified network.")
        case .subnetNotOnNetwork(let subnet):
            self.init(.badRequest, "InvalidInput",
                      "Invalid input for operation: Failed to create port on network, because fixed_ips included "
                      + "invalid subnet \(subnet).")
        case .macInUse(let mac, let net):
            self.init(.conflict, "MacAddressInUse",
                      "Unable to complete operation for network \(net). The mac address \(mac) is in use.")
        }
    }

    func response(from request: Request, context: some Hummingbird.RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let body: JSON
        if status == .unauthorized {
            body = ["error": ["code": 401, "title": "Unauthorized", "message": .string(message)]]
            if let authURI { headers[.wwwAuthenticate] = "Keystone uri=\"\(authURI)\"" }
        } else {
            body = ["NeutronError": ["type": .string(type), "message": .string(message), "detail": ""]]
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.encoded())))
    }
}

func json(_ status: HTTPResponse.Status, _ body: JSON) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.encoded())))
}

func empty(_ status: HTTPResponse.Status) -> Response {
    Response(status: status, headers: [.contentLength: "0"], body: .init())
}

/// Request ids on every response; every error in Neutron's shape.
struct NetworkMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    static let requestID = HTTPField.Name("X-OpenStack-Request-ID")!
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let rid = "req-" + UUID().uuidString.lowercased()
        var response: Response
        do {
            if request.uri.string.range(of: "%00") != nil {
                throw NeutronError.badRequest("Invalid input: the URL must not contain NUL (%00).")
            }
            response = try await next(request, context)
        } catch let e as NeutronError {
            response = try e.response(from: request, context: context)
        } catch let e as IPAllocationError {
            response = try NeutronError(e).response(from: request, context: context)
        } catch let e as StoreError {
            let mapped: NeutronError = switch e {
            case .notFound(let kind, let id): NeutronError(.notFound, "NotFound", "\(kind.capitalized) \(id) could not be found.")
            case .conflict(let why): NeutronError(.conflict, "Conflict", why)
            default: NeutronError(.internalServerError, "HTTPInternalServerError", "Request Failed: internal server error "
                                  + "while processing your request.")
            }
            if mapped.status == .internalServerError { logger.error("network store error: \(e)") }
            response = try mapped.response(from: request, context: context)
        } catch let e as HTTPError {
            let m = e.status == .notFound ? "The resource could not be found." : (e.body ?? e.status.reasonPhrase)
            response = try NeutronError(e.status, e.status == .notFound ? "HTTPNotFound" : "HTTPError", m)
                .response(from: request, context: context)
        } catch {
            logger.error("unexpected network API error: \(error)", metadata: ["request_id": "\(rid)"])
            response = try NeutronError(.internalServerError, "HTTPInternalServerError",
                                        "Request Failed: internal server error while processing your request.")
                .response(from: request, context: context)
        }
        response.headers[Self.requestID] = rid
        return response
    }
}

/// Form-decoded query parameters, repeated keys kept (Neutron ORs repeated filter values).
struct Query {
    var items: [(String, String)] = []

    init(_ req: Request) {
        for pair in (req.uri.query ?? "").split(separator: "&").prefix(256) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            items.append((kv[0], kv.count > 1 ? kv[1] : ""))
        }
    }

    subscript(_ key: String) -> String? { items.first { $0.0 == key }?.1 }
    func all(_ key: String) -> [String] { items.filter { $0.0 == key }.map(\.1) }
}

/// Neutron's timestamps: `2025-01-01T00:00:00Z`.
enum NeutronTime {
    static func format(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }
}
