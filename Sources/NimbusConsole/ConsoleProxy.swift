import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NimbusKernel
import NimbusStore
import ServiceLifecycle
import Synchronization

/// What one console proxy serves: `nimbus novncproxy` (noVNC's files and the RFB websocket, Nova's
/// nova-novncproxy) or `nimbus serialproxy` (a websocket to a guest's TCP serial port, nova-serialproxy).
public struct ConsoleProxySettings: Sendable {
    public enum Kind: String, Sendable {
        case novnc, serial
        /// The console type of the tokens this proxy accepts.
        var consoleType: String { rawValue }
    }
    public var kind: Kind
    public var host: String
    public var port: Int
    /// noVNC's web client directory (novnc only).
    public var webRoot: String?
    public var allowedOrigins: [String]
    /// `[consoleauth] enforce_session_timeout`: a session is closed when its token expires.
    public var enforceSessionTimeout: Bool

    public init(kind: Kind, host: String, port: Int, webRoot: String? = nil, allowedOrigins: [String] = [],
                enforceSessionTimeout: Bool = false) {
        self.kind = kind
        self.host = host
        self.port = port
        self.webRoot = webRoot
        self.allowedOrigins = allowedOrigins
        self.enforceSessionTimeout = enforceSessionTimeout
    }

    public static func novnc(_ config: NimbusConfig) throws -> Self {
        Self(kind: .novnc, host: ConsoleOptions.novncproxyHost.read(config), port: try ConsoleOptions.novncproxyPort.read(config),
             webRoot: ConsoleOptions.novncWebRoot.read(config), allowedOrigins: ConsoleOptions.allowedOrigins.read(config) ?? [],
             enforceSessionTimeout: try ConsoleOptions.enforceSessionTimeout.read(config))
    }

    public static func serial(_ config: NimbusConfig) throws -> Self {
        Self(kind: .serial, host: ConsoleOptions.serialproxyHost.read(config),
             port: try ConsoleOptions.serialproxyPort.read(config), allowedOrigins: ConsoleOptions.allowedOrigins.read(config) ?? [],
             enforceSessionTimeout: try ConsoleOptions.enforceSessionTimeout.read(config))
    }
}

struct ConsoleProxyContext: Hummingbird.RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>
    /// The client's address, for the connect/disconnect log lines.
    let client: String

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        client = source.channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "unknown"
    }
}

/// Asks the instance's compute whether a token's host/port is still its console (Nova's `validate_console_port`);
/// false or a throw refuses the token. The daemons build it on the compute RPC client; nil skips the check.
public typealias ConsolePortValidator = @Sendable (ConsoleAuthToken) async throws -> Bool

/// A console proxy as a lifecycle service. Connections are SwiftNIO channels (no thread each); the relay reads
/// one side only as fast as the other side takes the bytes, so a slow client cannot make it buffer without bound.
public final class ConsoleProxy: Service, Sendable {
    public let settings: ConsoleProxySettings
    let store: NimbusStore
    let logger: Logger
    /// In the all-in-one a proxy that cannot listen (port taken) logs it and leaves the other services running.
    let optional: Bool
    let validatePort: ConsolePortValidator?
    private let bound = Mutex<(port: Int?, waiters: [CheckedContinuation<Int, Never>])>((nil, []))

    public init(settings: ConsoleProxySettings, store: NimbusStore, logger: Logger, optional: Bool = false,
                validatePort: ConsolePortValidator? = nil) {
        self.settings = settings
        self.store = store
        self.logger = logger
        self.optional = optional
        self.validatePort = validatePort
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
        let ws = Router(context: ConsoleProxyContext.self)
        for path in ["/", "**"] {
            ws.ws(RouterPath(path), shouldUpgrade: { req, ctx in
                guard try await self.admit(req, client: ctx.client, askCompute: true) != nil else { return .dontUpgrade }
                // Echo the `binary` subprotocol when offered (noVNC asks for it), as websockify does.
                let offered = req.headers[.secWebSocketProtocol]?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                return .upgrade(offered?.contains("binary") == true ? [.secWebSocketProtocol: "binary"] : [:])
            }, onUpgrade: { inbound, outbound, ctx in
                try await self.serve(inbound, outbound, ctx.request, client: ctx.requestContext.client)
            })
        }
        let http = Router(context: ConsoleProxyContext.self)
        http.add(middleware: ConsoleHTTPMiddleware(settings: settings))
        if let root = settings.webRoot, FileManager.default.fileExists(atPath: root) {
            http.add(middleware: FileMiddleware(root, searchForIndexHtml: true, logger: logger))
        }
        let name = "nimbus-\(settings.kind.rawValue)proxy"
        let app = Application(
            router: http, server: .http1WebSocketUpgrade(webSocketRouter: ws),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: name),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? self.settings.port
                self.logger.info("\(name) listening on \(self.settings.host):\(port)")
                self.setBound(port)
            }, logger: logger)
        do {
            try await app.run()
        } catch where optional && bound.withLock({ $0.port == nil }) {
            logger.error("\(name) could not listen on \(settings.host):\(settings.port): \(error); consoles unavailable")
            setBound(0)
            try? await gracefulShutdown()
        }
    }

    /// Nova's checks before any byte goes to the compute: a token (query or cookie) that is known, unexpired and
    /// for this proxy's console type, the Origin check and, before the upgrade (`askCompute`), the compute's word
    /// that the port is still the instance's console. Nil (refused, logged) otherwise.
    func admit(_ req: Request, client: String, askCompute: Bool = false) async throws -> ConsoleAuthToken? {
        var meta: Logger.Metadata = ["client": "\(client)", "console": "\(settings.kind.rawValue)"]
        guard let token = ConsoleRequestChecks.token(query: req.uri.query, cookie: req.headers[values: .cookie].joined(separator: "; ")) else {
            logger.info("console refused: no token", metadata: meta)
            return nil
        }
        guard let t = try await store.validConsoleToken(token), t.consoleType == settings.kind.consoleType else {
            logger.info("console refused: invalid or expired token", metadata: meta)
            return nil
        }
        meta["instance_uuid"] = "\(t.instanceUUID.uuidString.lowercased())"
        let origins = HTTPField.Name("Origin").map { req.headers[values: $0] } ?? []
        guard origins.count <= 1 else {  // which one would a browser have sent? Refuse rather than guess.
            logger.info("console refused: Origin header not valid.", metadata: meta)
            return nil
        }
        let origin = origins.first
        let forwarded = HTTPField.Name("X-Forwarded-Proto").flatMap { req.headers[$0] }
        if let why = ConsoleRequestChecks.originProblem(origin: origin, host: req.head.authority,
                                                        forwardedProto: forwarded, accessURLBase: t.accessURLBase,
                                                        allowedOrigins: settings.allowedOrigins) {
            logger.info("console refused: \(why)", metadata: meta)
            return nil
        }
        if askCompute, let validatePort {
            do {
                guard try await validatePort(t) else {
                    logger.info("console refused: the port is no longer the instance's console", metadata: meta)
                    return nil
                }
            } catch {
                logger.info("console refused: the compute did not confirm the port: \(error)", metadata: meta)
                return nil
            }
        }
        return t
    }
}

/// The proxy's plain HTTP side: a websocket request refused by `admit` gets a 403 (no upgrade, nothing relayed);
/// noVNC's files when installed, else a page that says where they were looked for.
struct ConsoleHTTPMiddleware: RouterMiddleware {
    typealias Context = ConsoleProxyContext
    let settings: ConsoleProxySettings

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.headers[.upgrade]?.lowercased().contains("websocket") == true {
            return page(.forbidden, "Console refused", "The console token is missing, unknown or expired, or the Origin does not match.")
        }
        do {
            let r = try await next(request, context)
            if r.status != .notFound { return r }
        } catch let e as HTTPError where e.status == .notFound {}
        guard let root = settings.webRoot else { return page(.notFound, "Not found", "This is a console proxy.") }
        if !FileManager.default.fileExists(atPath: root) {
            return page(.notFound, "noVNC is not installed",
                        "The noVNC web client was not found in \(root). Install Debian's novnc package or set [vnc] novnc_web_root.")
        }
        return page(.notFound, "Not found", "No such file in \(root).")
    }

    func page(_ status: HTTPResponse.Status, _ title: String, _ text: String) -> Response {
        let html = "<!DOCTYPE html><html><head><title>\(title)</title></head><body><h1>\(title)</h1><p>\(text)</p></body></html>\n"
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
