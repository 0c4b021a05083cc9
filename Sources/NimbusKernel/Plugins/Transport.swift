import Foundation

/// Where a message goes: a topic (`scheduler`, `conductor`, `compute`) and optionally one named server.
/// With no server, one listener of the topic receives it.
public struct TransportTarget: Codable, Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var server: String?

    public init(topic: String, server: String? = nil) {
        self.topic = topic
        self.server = server
    }

    public var description: String { server.map { "\(topic).\($0)" } ?? topic }
}

/// The way back to a caller, for messages sent with `request`.
public protocol ReplyChannel: Sendable {
    func reply(_ payload: Data) async throws
}

/// One framed message received by a listener; `replyChannel` is set when the sender awaits a reply.
public struct InboundMessage: Sendable {
    public var payload: Data
    public var replyChannel: (any ReplyChannel)?

    public init(payload: Data, replyChannel: (any ReplyChannel)?) {
        self.payload = payload
        self.replyChannel = replyChannel
    }
}

/// A listener's message stream and the way to stop it.
public struct TransportSubscription: Sendable {
    public let messages: AsyncStream<InboundMessage>
    public let cancel: @Sendable () async -> Void

    public init(messages: AsyncStream<InboundMessage>, cancel: @escaping @Sendable () async -> Void) {
        self.messages = messages
        self.cancel = cancel
    }
}

public enum TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    case noListener(TransportTarget)
    case timeout(TransportTarget, Duration)
    case queueFull(TransportTarget)
    case messageTooLarge(Int, limit: Int)
    case closed
    case invalidURL(String)
    case connectionFailed(String)

    public var description: String {
        switch self {
        case .noListener(let t): "no server is listening on \(t)"
        case .timeout(let t, let d): "timed out after \(d) waiting for a reply from \(t)"
        case .queueFull(let t): "send queue to \(t) is full (high-water mark reached)"
        case .messageTooLarge(let n, let limit): "message of \(n) bytes exceeds the limit of \(limit)"
        case .closed: "transport is shut down"
        case .invalidURL(let u): "invalid transport_url \(u)"
        case .connectionFailed(let why): "connection failed: \(why)"
        }
    }
}

/// Moves framed payloads between services. It knows nothing of RPC semantics (methods, versions,
/// errors): those live in NimbusRPC, so any transport slots in without touching the services.
public protocol Transport: Sendable {
    /// The name config selects, e.g. `inprocess`, `zmq`.
    static var name: String { get }
    /// `transport_url` schemes this transport serves (`inprocess://`, `zmq://`).
    static var urlSchemes: [String] { get }
    static var configOptions: [ConfigOption] { get }
    /// Admin tasks for `nimbus manage <transport name> <task>`.
    static var adminCommands: [TransportAdminCommand] { get }
    init(context: PluginContext) throws
    /// Starts receiving messages for `target` (a server binds its topic, or topic.server).
    func listen(_ target: TransportTarget) async throws -> TransportSubscription
    /// Sends and waits for one reply.
    func request(_ payload: Data, to target: TransportTarget, timeout: Duration) async throws -> Data
    /// Sends without waiting for a reply.
    func send(_ payload: Data, to target: TransportTarget) async throws
    /// Sends to every listener of a topic.
    func fanout(_ payload: Data, topic: String) async throws
    func shutdown() async
}

extension Transport {
    public static var configOptions: [ConfigOption] { [] }
    public static var adminCommands: [TransportAdminCommand] { [] }
}

/// An administrative task a transport offers (`nimbus manage zmq keygen`), run with the daemon's config.
public struct TransportAdminCommand: Sendable {
    public var name: String
    public var help: String
    /// Returns what to print.
    public var run: @Sendable (NimbusConfig) throws -> String

    public init(name: String, help: String, run: @escaping @Sendable (NimbusConfig) throws -> String) {
        self.name = name
        self.help = help
        self.run = run
    }
}
