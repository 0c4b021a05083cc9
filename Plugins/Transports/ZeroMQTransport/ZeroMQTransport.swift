import Foundation
import Logging
import NimbusKernel
import Synchronization

/// Brokerless transport over libzmq (`transport_url = zmq://host:port`, the controller's address).
/// A process that listens binds one ROUTER (`[zmq] bind_address`, or the transport_url address);
/// it sends through one DEALER per peer it talks to. Which peer serves a target comes from the
/// directory (see `setEndpoint`, `setResolver`, docs/zeromq.md). Optional CURVE encryption and
/// client authentication. All socket work happens on one dedicated thread per transport.
public final class ZeroMQTransport: Transport {
    public static let name = "zmq"
    public static let urlSchemes = ["zmq"]
    public static var configOptions: [ConfigOption] { ZeroMQSettings.options }

    private let settings: ZeroMQSettings
    private let poller: Poller
    private let listeners: Listeners
    private let pending = PendingCalls()
    private let directory: Directory
    private let logger: Logger
    private let extraAllowed = AllowedKeys()
    private let bound = Mutex<String?>(nil)
    private let stopped = Mutex(false)
    /// This node's CURVE public key (nil without CURVE): what peers put in their allow-lists.
    public let publicKey: String?

    public init(context: PluginContext) throws {
        settings = try ZeroMQSettings(config: context.config)
        logger = context.logger
        listeners = Listeners(queueLimit: settings.hwm)
        poller = try Poller(capacity: max(64, settings.hwm))

        var curve: PollerSetup.Curve?
        var controllerKey: String?
        if let paths = settings.curve {
            let hint = "run `nimbus manage zmq keygen` or set [zmq] curve_secret_key_file"
            let secret = try CurveKeyFiles.readKey(paths.secretKeyFile, hint: hint)
            let own = try CurveKeyPair.publicKey(forSecret: secret)
            // Controller daemons share one keypair; compute nodes get a copy of the controller's public key.
            controllerKey = (try? CurveKeyFiles.readKey(paths.serverPublicKeyFile, hint: "")) ?? own
            let extra = extraAllowed
            curve = .init(publicKey: own, secretKey: secret, allowListFile: paths.allowedClientsFile,
                          extraAllowed: { extra.keys.withLock { $0 } })
            publicKey = own
        } else {
            publicKey = nil
        }
        var configured: [String: ZeroMQPeer] = [:]
        for (topic, endpoint) in settings.topicEndpoints {
            configured[topic] = ZeroMQPeer(endpoint: endpoint, publicKey: controllerKey)
        }
        directory = Directory(controller: ZeroMQPeer(endpoint: settings.controllerEndpoint, publicKey: controllerKey),
                              configured: configured)

        let setup = PollerSetup(settings: settings, curve: curve, poller: poller, listeners: listeners,
                                pending: pending, logger: logger)
        let thread = Thread { PollerLoop(setup: setup).run() }
        thread.name = "nimbus-zmq"
        thread.start()
    }

    /// A transport dropped without `shutdown()` still stops its thread and closes its sockets.
    deinit { try? poller.submit(.shutdown {}) }

    // MARK: discovery API (filled by the daemons)

    /// The endpoint this process's ROUTER is reachable at, once `listen` has bound it; what a compute
    /// node reports to the conductor.
    public var boundEndpoint: String? { bound.withLock { $0 } }

    /// The controller's endpoint (from `transport_url`).
    public var controllerEndpoint: String { settings.controllerEndpoint }

    /// Routes `target` (e.g. `compute` / `host1`) to a peer. A nil endpoint removes the route.
    public func setEndpoint(_ endpoint: String?, publicKey: String?, for target: TransportTarget) throws {
        let peer = try endpoint.map { ZeroMQPeer(endpoint: try ZeroMQURL.normalize($0), publicKey: publicKey) }
        directory.set(peer, for: target)
    }

    /// A lookup consulted for targets with no endpoint set: for `topic`/`server`, that server's peer;
    /// for a bare topic, every peer serving it. The daemons fill it from the services table.
    public func setResolver(_ resolver: (@Sendable (TransportTarget) -> [ZeroMQPeer])?) {
        directory.setResolver(resolver)
    }

    /// Closes the connection to an endpoint no longer in use (a peer that moved or left).
    public func disconnect(endpoint: String) {
        guard let e = try? ZeroMQURL.normalize(endpoint) else { return }
        try? poller.submit(.disconnect(e))
    }

    /// Endpoints this transport holds a connection to (idle ones close after `peer_idle_timeout`).
    public var connectedEndpoints: Set<String> { poller.openPeers.withLock { $0 } }

    /// Accepts a client key in addition to the allow-list file (CURVE only).
    public func allowClient(publicKey: String) {
        _ = extraAllowed.keys.withLock { $0.insert(publicKey) }
    }

    /// What this process listens on, for reporting to a directory.
    public var listeningTargets: [TransportTarget] { listeners.targets }

    public func isListening(_ target: TransportTarget) -> Bool { listeners.isListening(target) }

    // MARK: Transport

    /// Binds this process's ROUTER now (`listen` does it on first use) and returns the advertised
    /// endpoint, so a daemon can report it before it starts serving.
    @discardableResult
    public func bind() async throws -> String {
        if let boundEndpoint { return boundEndpoint }
        let endpoint: String = try await withCheckedThrowingContinuation { c in
            do { try poller.submit(.bind { c.resume(with: $0) }) } catch { c.resume(throwing: error) }
        }
        bound.withLock { $0 = endpoint }
        return endpoint
    }

    public func listen(_ target: TransportTarget) async throws -> TransportSubscription {
        try await bind()
        let (stream, remove) = listeners.add(target)
        return TransportSubscription(messages: stream, cancel: { remove() })
    }

    private func check(_ payload: Data) throws(TransportError) {
        if payload.count > settings.maxMessageSize { throw .messageTooLarge(payload.count, limit: settings.maxMessageSize) }
    }

    public func request(_ payload: Data, to target: TransportTarget, timeout: Duration) async throws -> Data {
        try check(payload)
        let peer = directory.peer(for: target)
        try failFast(peer, target)
        let id = pending.makeID()
        let frames = [WireHeader(kind: .request, requestID: id, target: target).encoded(), payload]
        let pending = self.pending
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Data, any Error>) in
                pending.register(id, .init(continuation: c, target: target, endpoint: peer.endpoint, timeout: timeout,
                                           deadline: .now + timeout))
                // onCancel may have run before the call was registered; it found nothing to cancel then.
                if Task.isCancelled { pending.complete(id) { _ in .failure(CancellationError()) } }
                do { try poller.submit(.send(peer, frames, target, requestID: id)) } catch {
                    pending.complete(id) { _ in .failure(error) }
                }
            }
        } onCancel: {
            pending.complete(id) { _ in .failure(CancellationError()) }
        }
    }

    public func send(_ payload: Data, to target: TransportTarget) async throws {
        try check(payload)
        try submit(.cast, payload, to: directory.peer(for: target), target: target)
    }

    public func fanout(_ payload: Data, topic: String) async throws {
        try check(payload)
        let target = TransportTarget(topic: topic)
        var firstError: (any Error)?
        for peer in directory.fanoutPeers(topic: topic) {
            do { try submit(.fanout, payload, to: peer, target: target) } catch {
                // One unreachable server must not keep the message from the others.
                logger.warning("fanout to \(peer.endpoint) failed", metadata: ["topic": "\(topic)", "error": "\(error)"])
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
    }

    /// Hands a one-way message to the poller thread. It returns once the message is queued: the bound on
    /// messages in flight (`[zmq] hwm`) is the back-pressure, reported as `queueFull`.
    private func submit(_ kind: WireHeader.Kind, _ payload: Data, to peer: ZeroMQPeer, target: TransportTarget) throws {
        try failFast(peer, target)
        try poller.submit(.send(peer, [WireHeader(kind: kind, target: target).encoded(), payload], target, requestID: nil))
    }

    /// A peer whose handshake failed, or whose queue is at its high-water mark, will not take more
    /// messages for now: say so at once.
    private func failFast(_ peer: ZeroMQPeer, _ target: TransportTarget) throws(TransportError) {
        if let why = poller.failedPeers.withLock({ $0[peer.endpoint] }) { throw .connectionFailed(why) }
        if poller.congestedPeers.withLock({ $0.contains(peer.endpoint) }) { throw .queueFull(target) }
    }

    public func shutdown() async {
        guard stopped.withLock({ s in defer { s = true }; return !s }) else { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            do { try poller.submit(.shutdown { c.resume() }) } catch { c.resume() }
        }
    }
}

/// Client keys allowed in code (beside the allow-list file), shared with the ZAP handler's thread.
final class AllowedKeys: Sendable {
    let keys = Mutex(Set<String>())
}
