import Foundation
import Logging
import NimbusKernel
import Synchronization

/// Inbound traffic on the poller thread: requests and casts on the ROUTER, replies on the DEALERs,
/// handshake events from the monitors.
extension PollerLoop {
    /// A message on the ROUTER: `[identity, header, payload]`. Anything else is answered with an
    /// error (when we can tell who sent it) and logged; the loop keeps serving.
    func handleInbound(_ frames: [Data]) {
        guard let identity = frames.first else { return }
        func refuse(_ id: UInt64, _ code: WireFailure, _ text: String) {
            execute(.reply(identity: identity, [WireHeader(kind: .error, requestID: id).encoded(), WireFailure.payload(code, text)]))
        }
        guard frames.count == 3 else {
            logger.warning("dropping malformed zmq message", metadata: ["frames": "\(frames.count)"])
            refuse(0, .malformed, "expected 2 frames (header, payload), got \(frames.count - 1)")
            return
        }
        let header: WireHeader
        do { header = try WireHeader.decode(frames[1]) } catch {
            logger.warning("dropping zmq message with a malformed header", metadata: ["error": "\(error)"])
            refuse(0, .malformed, "malformed header: \(error)")
            return
        }
        let payload = frames[2]
        let isRequest = header.kind == .request
        guard payload.count <= maxMessageSize else {
            logger.warning("dropping oversized message", metadata: ["bytes": "\(payload.count)", "target": "\(header.target)"])
            if isRequest { refuse(header.requestID, .tooLarge, "\(payload.count) \(maxMessageSize)") }
            return
        }
        switch header.kind {
        case .request, .cast:
            let channel = isRequest
                ? ZeroMQReplyChannel(poller: setup.poller, identity: identity, requestID: header.requestID,
                                     maxMessageSize: maxMessageSize) : nil
            switch setup.listeners.deliver(InboundMessage(payload: payload, replyChannel: channel), to: header.target) {
            case .delivered: break
            case .noListener:
                if isRequest { refuse(header.requestID, .noListener, "\(header.target)") } else {
                    logger.warning("dropping cast: no listener here", metadata: ["target": "\(header.target)"])
                }
            case .queueFull:
                if isRequest { refuse(header.requestID, .queueFull, "\(header.target)") } else {
                    logger.warning("dropping cast: listener queue full", metadata: ["target": "\(header.target)"])
                }
            }
        case .fanout:
            let (_, full) = setup.listeners.deliverToAll(InboundMessage(payload: payload, replyChannel: nil),
                                                         topic: header.target.topic)
            if full > 0 { logger.warning("fanout dropped by \(full) full listener queue(s)", metadata: ["topic": "\(header.target.topic)"]) }
        case .reply, .error:
            logger.warning("dropping a reply sent to a server socket")
        }
    }

    /// A message on a DEALER: `[header, payload]`, the reply to one of our calls.
    func handleReply(_ frames: [Data]) {
        guard frames.count == 2, let header = try? WireHeader.decode(frames[0]) else {
            logger.warning("dropping malformed reply", metadata: ["frames": "\(frames.count)"])
            return
        }
        let payload = frames[1]
        let found: Bool
        switch header.kind {
        case .reply:
            found = setup.pending.complete(header.requestID) { _ in .success(payload) }
        case .error:
            let max = maxMessageSize
            found = setup.pending.complete(header.requestID) { e in
                .failure(WireFailure.error(from: payload, target: e.target, maxMessageSize: max))
            }
            if !found && header.requestID == 0 {
                logger.warning("a server rejected one of our messages",
                               metadata: ["reason": "\(String(decoding: payload.dropFirst(), as: UTF8.self))"])
            }
        default:
            logger.warning("dropping unexpected message kind on a client socket")
            return
        }
        if !found { logger.debug("late reply ignored (the call already timed out)", metadata: ["id": "\(header.requestID)"]) }
    }

    func handleMonitor(_ p: PeerConnection) {
        for event in p.readEvents() {
            switch event {
            case .handshakeFailed(let why):
                logger.error("\(why)")
                setup.poller.failedPeers.withLock { $0[p.peer.endpoint] = why }
                setup.pending.failAll(endpoint: p.peer.endpoint, .connectionFailed(why))
            case .handshakeSucceeded:
                setup.poller.failedPeers.withLock { _ = $0.removeValue(forKey: p.peer.endpoint) }
                logger.info("zmq handshake succeeded after earlier failures", metadata: ["endpoint": "\(p.peer.endpoint)"])
            }
        }
    }
}
