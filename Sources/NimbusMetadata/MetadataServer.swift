import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MetadataDocuments
import NIOCore
import NimbusStore
import ServiceLifecycle
import Synchronization

struct MetadataContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The connection's source address (how a guest is found without Neutron's proxy).
    let remote: String?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        var ip = source.channel.remoteAddress?.ipAddress
        if let s = ip, s.hasPrefix("::ffff:"), s.contains(".") { ip = String(s.dropFirst(7)) }  // IPv4-mapped
        remote = ip
    }
}

/// `nimbus metadata` (nova-api-metadata): the OpenStack and EC2 metadata trees for the requesting instance.
public final class MetadataServer: Service, Sendable {
    public let settings: MetadataSettings
    let store: NimbusStore
    let cache: MetadataCache
    let logger: Logger
    /// In the all-in-one a port already taken is logged and leaves the rest running.
    let optional: Bool
    private let bound = Mutex<(port: Int?, waiters: [CheckedContinuation<Int, Never>])>((nil, []))

    /// Nova's password endpoint takes at most 4 chunks of 255 characters (`nova/api/metadata/password.py`).
    static let maxPasswordSize = 4 * 255

    public init(settings: MetadataSettings, store: NimbusStore, logger: Logger, optional: Bool = false) {
        self.settings = settings
        self.store = store
        cache = MetadataCache(seconds: settings.cacheExpiration, capacity: settings.cacheCapacity)
        self.logger = logger
        self.optional = optional
    }

    /// The bound port once listening (0 when it could not listen).
    public func boundPort() async -> Int {
        await withCheckedContinuation { c in
            let port: Int? = bound.withLock { s in
                if let p = s.port { return p }
                s.waiters.append(c)
                return nil
            }
            if let port { c.resume(returning: port) }
        }
    }

    private func setBound(_ port: Int) {
        let waiters = bound.withLock { s in
            s.port = port
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume(returning: port) }
    }

    public func run() async throws {
        let router = Router(context: MetadataContext.self)
        router.add(middleware: MetadataResponder(server: self))
        let app = Application(
            router: router, configuration: .init(address: .hostname(settings.host, port: settings.port),
                                                 serverName: "nimbus-metadata"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? self.settings.port
                self.logger.info("metadata service listening on \(self.settings.host):\(port)")
                self.setBound(port)
            }, logger: logger)
        do {
            try await app.run()
        } catch where optional && bound.withLock({ $0.port == nil }) {
            logger.error("metadata service could not listen on \(settings.host):\(settings.port): \(error)")
            setBound(0)
            try? await gracefulShutdown()
        }
    }

    /// One request: `/` needs nobody; everything else is answered for the identified instance only.
    func answer(_ req: Request, remote: String?) async throws -> Response {
        let path = req.uri.path
        if path.split(separator: "/").isEmpty {
            return Self.text(.ok, Data(MetadataVersions.ec2Listing.joined(separator: "\n").utf8))
        }
        do {
            let (source, requester) = try await identify(req, remote: remote)
            switch source.lookup(path, requester: requester) {
            case .text(let d): return Self.text(.ok, d)
            case .json(let d):
                return Response(status: .ok, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(bytes: d)))
            case .password: return try await password(req, source)
            case .notFound: throw MetadataRefusal(status: .notFound, message: "The resource could not be found.")
            }
        } catch let r as MetadataRefusal {
            // webob's plain-text error page: status line, then the explanation.
            let body = "\(r.status.code) \(r.status.reasonPhrase)\n\n" + (r.message.map { $0 + "\n\n" } ?? "")
            return Self.text(r.status, Data(body.utf8))
        }
    }

    /// `password`: GET reads what the guest posted (empty when none); POST sets it once (409 after), at most
    /// 1020 bytes (400). Nova's `handle_password`.
    func password(_ req: Request, _ source: MetadataSource) async throws -> Response {
        switch req.method {
        case .get, .head:
            return Self.text(.ok, Data((try await store.instancePassword(source.uuid) ?? "").utf8))
        case .post:
            if try await store.instancePassword(source.uuid) != nil { throw MetadataRefusal(status: .conflict) }
            if let declared = req.headers[.contentLength].flatMap(Int.init), declared > Self.maxPasswordSize {
                throw MetadataRefusal(status: .badRequest, message: "Request is too large.")
            }
            var body = req.body
            let buffer = try? await body.collect(upTo: Self.maxPasswordSize)
            guard let buffer else { throw MetadataRefusal(status: .badRequest, message: "Request is too large.") }
            let text = String(decoding: buffer.readableBytesView, as: UTF8.self)
            guard try await store.setInstancePasswordOnce(source.uuid, text) else { throw MetadataRefusal(status: .conflict) }
            return Self.text(.ok, Data())
        default:
            throw MetadataRefusal(status: .badRequest, message: "GET and POST only are supported.")
        }
    }

    static func text(_ status: HTTPResponse.Status, _ d: Data) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=UTF-8"],
                 body: .init(byteBuffer: ByteBuffer(bytes: d)))
    }
}

/// Every path goes through `MetadataServer.answer` (the tree is looked up, not routed).
struct MetadataResponder: RouterMiddleware {
    typealias Context = MetadataContext
    let server: MetadataServer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await server.answer(request, remote: context.remote)
        } catch {
            server.logger.error("metadata request \(request.uri.path) failed: \(error)")
            return MetadataServer.text(.internalServerError,
                                       Data("500 Internal Server Error\n\nAn unknown error has occurred. Please try your request again.\n\n".utf8))
        }
    }
}
