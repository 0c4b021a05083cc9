import CZeroMQ
import Foundation
import Logging
import NimbusKernel
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What the poller thread needs from its transport; all of it Sendable, handed to the thread at start.
struct PollerSetup: Sendable {
    struct Curve: Sendable {
        var publicKey: String
        var secretKey: String
        var allowListFile: String
        var extraAllowed: @Sendable () -> Set<String>
    }

    var settings: ZeroMQSettings
    var curve: Curve?
    var poller: Poller
    var listeners: Listeners
    var pending: PendingCalls
    var logger: Logger
}

/// The body of the poller thread: owns the libzmq context and every socket (a ROUTER once something
/// listens, a DEALER per peer, the ZAP handler, the monitors) and blocks in `zmq_poll` on them plus
/// the eventfd. It runs on its own Thread: a blocking zmq call must never sit on the cooperative pool.
final class PollerLoop {
    private enum Slot { case wakeup, router, zap, dealer(PeerConnection), monitor(PeerConnection) }

    let setup: PollerSetup
    private let context: UnsafeMutableRawPointer
    private var router: ZMQSocket?
    private var boundEndpoint: String?
    private var zap: ZAPHandler?
    private var peers: [String: PeerConnection] = [:]
    private var items: [zmq_pollitem_t] = []
    private var slots: [Slot] = []
    private var itemsDirty = true
    private var nextMonitorID = 0
    private var lastIdleCheck = ContinuousClock.now
    private var stopped: (@Sendable () -> Void)?
    var logger: Logger { setup.logger }
    var maxMessageSize: Int { setup.settings.maxMessageSize }

    init(setup: PollerSetup) {
        self.setup = setup
        context = zmq_ctx_new()
        // libzmq caps a context at 1023 sockets; a controller talking to thousands of computes needs more. The
        // context sizes its slot table from this, so a compute (few sockets) can keep the default.
        let wanted = min(setup.settings.maxSockets, Int(zmq_ctx_get(context, ZMQ_SOCKET_LIMIT)))
        if wanted != 1023, zmq_ctx_set(context, ZMQ_MAX_SOCKETS, Int32(clamping: wanted)) != 0 {
            setup.logger.warning("cannot raise ZMQ_MAX_SOCKETS", metadata: ["wanted": "\(wanted)"])
        }
    }

    func run() {
        while stopped == nil {
            if itemsDirty { rebuildItems() }
            let rc = zmq_poll(&items, Int32(items.count), pollTimeoutMs())
            if rc < 0 && zmq_errno() != EINTR {
                logger.error("zmq_poll failed", metadata: ["error": "\(ZMQError.last("zmq_poll"))"])
            }
            if rc > 0 { serveReadySockets() }
            _ = setup.pending.expire(now: .now)
            closeIdlePeers()
        }
        teardown()
    }

    private func pollTimeoutMs() -> Int {
        guard let next = setup.pending.expire(now: .now) else { return 1000 }
        let ms = (next - .now) / .milliseconds(1)
        return max(0, min(1000, Int(ms.rounded(.up))))
    }

    private func rebuildItems() {
        items = [zmq_pollitem_t(socket: nil, fd: setup.poller.wakeup.fd, events: Int16(ZMQ_POLLIN), revents: 0)]
        slots = [.wakeup]
        func add(_ s: ZMQSocket, _ slot: Slot) {
            items.append(zmq_pollitem_t(socket: s.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0))
            slots.append(slot)
        }
        if let router { add(router, .router) }
        if let zap { add(zap.socket, .zap) }
        for p in peers.values {
            add(p.dealer, .dealer(p))
            // Ask for writability only while a backlog waits, or poll would return at once forever.
            if !p.backlog.isEmpty { items[items.count - 1].events |= Int16(ZMQ_POLLOUT) }
            add(p.monitor, .monitor(p))
        }
        itemsDirty = false
    }

    private func serveReadySockets() {
        var wake = false
        for (i, slot) in slots.enumerated() where items[i].revents != 0 {
            let readable = items[i].revents & Int16(ZMQ_POLLIN) != 0
            switch slot {
            case .wakeup: wake = true
            case .router: drain(router) { handleInbound($0) }
            case .zap: zap?.serve()
            case .dealer(let p):
                if readable { drain(p.dealer) { handleReply($0) } }
                if items[i].revents & Int16(ZMQ_POLLOUT) != 0 { flushBacklog(p) }
            case .monitor(let p): handleMonitor(p)
            }
        }
        // Commands last: they may add or close sockets, which invalidates `items`.
        if wake {
            setup.poller.wakeup.drain()
            for command in setup.poller.takeAll() { execute(command) }
        }
    }

    /// Reads up to a batch from one socket so a busy peer cannot starve the others; the rest stays
    /// readable and is served on the next turn.
    private func drain(_ socket: ZMQSocket?, _ body: ([Data]) -> Void) {
        guard let socket else { return }
        for _ in 0..<512 {
            guard let frames = socket.receive() else { return }
            body(frames)
        }
    }

    // MARK: commands

    func execute(_ command: Poller.Command) {
        switch command {
        case .bind(let done):
            done(bind())
        case .send(let peer, let frames, let target, let requestID):
            send(PeerConnection.Outgoing(frames: frames, target: target, requestID: requestID), to: peer)
        case .reply(let identity, let frames):
            guard let router else { return }
            switch router.send([identity] + frames) {
            case .sent: break
            case .wouldBlock:
                logger.warning("reply dropped: the caller's queue is at its high-water mark")
            case .failed(let e):
                // EHOSTUNREACH: the caller disconnected (ROUTER_MANDATORY tells us instead of dropping silently).
                logger.debug("reply dropped", metadata: ["error": "\(e)"])
            }
        case .disconnect(let endpoint):
            if let p = peers.removeValue(forKey: endpoint) { close(p) }
        case .shutdown(let done):
            stopped = done
        }
    }

    private func bind() -> Result<String, TransportError> {
        if let boundEndpoint { return .success(boundEndpoint) }
        let address = setup.settings.bindAddress
        do {
            let s = try ZMQSocket(context: context, type: ZMQ_ROUTER)
            try s.set(ZMQ_ROUTER_MANDATORY, Int32(1))
            try s.set(ZMQ_SNDHWM, Int32(clamping: setup.settings.hwm))
            try s.set(ZMQ_RCVHWM, Int32(clamping: setup.settings.hwm))
            try s.set(ZMQ_MAXMSGSIZE, Int64(maxMessageSize))
            if let curve = setup.curve {
                if zap == nil {
                    zap = try ZAPHandler(context: context, allowListFile: curve.allowListFile,
                                         ownPublicKey: curve.publicKey, extraKeys: curve.extraAllowed, logger: logger)
                }
                try s.set(ZMQ_CURVE_SERVER, Int32(1))
                try s.set(ZMQ_CURVE_SECRETKEY, string: curve.secretKey)
                try s.set(ZMQ_ZAP_DOMAIN, string: "nimbus")
            }
            try s.bind(address)
            router = s
            itemsDirty = true
            let endpoint = ZeroMQURL.advertised(s.lastEndpoint, host: setup.settings.advertiseHost)
            boundEndpoint = endpoint
            logger.info("zmq router bound", metadata: ["endpoint": "\(endpoint)", "curve": "\(setup.curve != nil)"])
            return .success(endpoint)
        } catch {
            return .failure(.connectionFailed("cannot bind \(address): \(error)"))
        }
    }

    private func send(_ message: PeerConnection.Outgoing, to peer: ZeroMQPeer) {
        let connection: PeerConnection
        do { connection = try self.connection(to: peer) } catch {
            return failed(message, .connectionFailed("cannot connect to \(peer.endpoint): \(error)"))
        }
        connection.lastUsed = .now
        if let failure = connection.failure { return failed(message, .connectionFailed(failure)) }
        guard connection.backlog.isEmpty else {  // keep order behind what is already waiting
            return enqueueBacklog(message, on: connection)
        }
        switch connection.dealer.send(message.frames) {
        case .sent:
            setup.poller.released(1)
        case .wouldBlock:
            enqueueBacklog(message, on: connection)
            setup.poller.congestedPeers.withLock { _ = $0.insert(peer.endpoint) }
            itemsDirty = true  // now poll for POLLOUT
        case .failed(let e):
            failed(message, .connectionFailed("send to \(peer.endpoint): \(e)"))
        }
    }

    /// Parks a message behind a DEALER at its HWM. The backlog has its own bound (`hwm` per peer) and
    /// leaves the shared in-flight budget, so one dead peer cannot starve the others; messages beyond
    /// the bound (only those already queued when the peer became congested) fail with `queueFull`.
    private func enqueueBacklog(_ message: PeerConnection.Outgoing, on connection: PeerConnection) {
        guard connection.backlog.count < setup.settings.hwm else {
            return failed(message, .queueFull(message.target))
        }
        connection.backlog.append(message)
        setup.poller.released(1)
    }

    /// Hands waiting messages to libzmq once the DEALER has room again.
    private func flushBacklog(_ p: PeerConnection) {
        while let next = p.backlog.first {
            switch p.dealer.send(next.frames) {
            case .sent:
                p.backlog.removeFirst()
            case .wouldBlock:
                return
            case .failed(let e):
                p.backlog.removeFirst()
                failed(next, .connectionFailed("send to \(p.peer.endpoint): \(e)"), counted: false)
            }
        }
        setup.poller.congestedPeers.withLock { _ = $0.remove(p.peer.endpoint) }
        itemsDirty = true  // backlog empty: stop polling for POLLOUT
    }

    /// A message that will not be sent: its call fails now; a cast can only be logged.
    private func failed(_ message: PeerConnection.Outgoing, _ error: TransportError, counted: Bool = true) {
        if counted { setup.poller.released(1) }
        if let id = message.requestID {
            setup.pending.complete(id) { _ in .failure(error) }
        } else {
            logger.warning("message dropped", metadata: ["target": "\(message.target)", "error": "\(error)"])
        }
    }

    /// Closes DEALERs nobody sent to for `peer_idle_timeout` (and nobody awaits a reply from), so
    /// endpoints left behind by restarted peers do not keep reconnecting forever. Checked every few
    /// seconds at most. Whatever still sat in such a DEALER's queue was for a peer gone that long.
    private func closeIdlePeers() {
        let now = ContinuousClock.now
        guard now - lastIdleCheck > .seconds(2) || setup.settings.peerIdleTimeout < .seconds(2) else { return }
        lastIdleCheck = now
        for (endpoint, p) in peers where now - p.lastUsed > setup.settings.peerIdleTimeout
            && p.backlog.isEmpty && !setup.pending.hasCalls(to: endpoint)
        {
            logger.debug("closing idle zmq connection", metadata: ["endpoint": "\(endpoint)"])
            peers.removeValue(forKey: endpoint)
            close(p)
        }
    }

    private func close(_ p: PeerConnection) {
        for m in p.backlog.drain() {
            failed(m, .connectionFailed("connection to \(p.peer.endpoint) closed"), counted: false)
        }
        setup.poller.failedPeers.withLock { _ = $0.removeValue(forKey: p.peer.endpoint) }
        setup.poller.congestedPeers.withLock { _ = $0.remove(p.peer.endpoint) }
        setup.poller.openPeers.withLock { _ = $0.remove(p.peer.endpoint) }
        p.close()
        itemsDirty = true
    }

    private func connection(to peer: ZeroMQPeer) throws -> PeerConnection {
        if let existing = peers[peer.endpoint] {
            if existing.peer.publicKey == peer.publicKey || setup.curve == nil { return existing }
            close(existing)  // the peer's key changed: reconnect with the new one
        }
        nextMonitorID += 1
        let c = try PeerConnection(
            context: context, peer: peer,
            curve: setup.curve.map { PeerConnection.Curve(ownPublicKey: $0.publicKey, ownSecretKey: $0.secretKey) },
            hwm: Int32(clamping: setup.settings.hwm), maxMessageSize: Int64(maxMessageSize), monitorID: nextMonitorID)
        peers[peer.endpoint] = c
        setup.poller.openPeers.withLock { _ = $0.insert(peer.endpoint) }
        itemsDirty = true
        return c
    }

    private func teardown() {
        for command in setup.poller.close() {
            switch command {
            case .bind(let done): done(.failure(.closed))
            case .send(_, _, _, let id):
                if let id { setup.pending.complete(id) { _ in .failure(TransportError.closed) } }
            case .shutdown(let done): done()
            case .reply, .disconnect: break
            }
        }
        setup.pending.close()
        setup.listeners.finishAll()
        for p in peers.values { close(p) }
        peers = [:]
        router?.close()
        zap?.socket.close()
        zmq_ctx_term(context)
        stopped?()
    }
}
