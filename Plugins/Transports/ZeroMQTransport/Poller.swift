import Foundation
import NimbusKernel
import Synchronization

/// The hand-off between Swift tasks and the poller thread that owns every libzmq socket of one
/// transport: tasks append commands and wake the thread through an eventfd; the thread drains them
/// all at once. Nothing here blocks, so callers never tie up the cooperative pool.
///
/// Back-pressure: every outgoing message counts as in flight from `submit` until the thread has
/// handled it; once `capacity` are waiting, `submit` throws `queueFull`. A DEALER at its high-water
/// mark (EAGAIN under ZMQ_DONTWAIT) parks the message in that peer's bounded backlog and marks the
/// peer congested: later sends to it throw `queueFull` at once until the backlog drains. So a sender never waits for the thread, and nothing grows without bound.
final class Poller: Sendable {
    enum Command: Sendable {
        /// Binds the ROUTER (once) and reports the advertised endpoint.
        case bind(@Sendable (Result<String, TransportError>) -> Void)
        /// Sends a request, cast or fanout frame set to a peer. A request's failure completes its
        /// pending call; a cast's failure is logged (its sender has moved on).
        case send(ZeroMQPeer, [Data], TransportTarget, requestID: UInt64?)
        /// A reply (or error reply) to the caller behind a ROUTER identity.
        case reply(identity: Data, [Data])
        /// Closes the DEALER to an endpoint no longer used (a restarted peer moved elsewhere).
        case disconnect(String)
        case shutdown(@Sendable () -> Void)
    }

    private struct Queue {
        var commands: [Command] = []
        var inFlight = 0
        var closed = false
    }

    private let queue = Mutex(Queue())
    let wakeup: WakeupFD
    /// Bound on messages in flight (queued for the thread or in its backlog).
    let capacity: Int
    /// Peers whose last handshake failed, mirrored from the thread so senders fail fast.
    let failedPeers = Mutex<[String: String]>([:])
    /// Peers whose DEALER is at its high-water mark (their backlog is not empty): new messages to them
    /// are refused with `queueFull` at once, so one dead or slow peer cannot use up the in-flight
    /// budget that every other peer shares.
    let congestedPeers = Mutex<Set<String>>([])
    /// Endpoints with an open DEALER, mirrored for `ZeroMQTransport.connectedEndpoints`.
    let openPeers = Mutex<Set<String>>([])

    init(capacity: Int) throws {
        wakeup = try WakeupFD()
        self.capacity = capacity
    }

    /// Queues a command; only `send` counts against the bound. Replies bypass it: they are already
    /// bounded by the requests the listeners' bounded queues accepted. Only the first command into an empty queue writes the eventfd: the thread
    /// reads the eventfd before taking the queue, so nothing queued after that read is missed.
    func submit(_ command: Command) throws(TransportError) {
        enum Refusal { case closed, full }
        let (wasEmpty, refusal): (Bool, Refusal?) = queue.withLock { q in
            if q.closed { return (false, .closed) }
            if case .send = command {
                if q.inFlight >= capacity { return (false, .full) }
                q.inFlight += 1
            }
            q.commands.append(command)
            return (q.commands.count == 1, nil)
        }
        switch refusal {
        case .closed: throw .closed
        case .full:
            if case .send(_, _, let target, _) = command { throw .queueFull(target) }
            throw .queueFull(TransportTarget(topic: ""))
        case nil: if wasEmpty { wakeup.wake() }
        }
    }

    /// The thread reports messages that left (handed to libzmq, or failed).
    func released(_ count: Int) {
        guard count > 0 else { return }
        queue.withLock { $0.inFlight -= count }
    }

    func takeAll() -> [Command] {
        queue.withLock { q in
            defer { q.commands = [] }
            return q.commands
        }
    }

    /// Refuses new commands; returns those still waiting so the thread can fail them.
    func close() -> [Command] {
        queue.withLock { q in
            q.closed = true
            defer { q.commands = [] }
            return q.commands
        }
    }

    var isClosed: Bool { queue.withLock { $0.closed } }
}

/// The way back to one caller: replies go through the poller thread to the ROUTER identity they came from.
struct ZeroMQReplyChannel: ReplyChannel {
    let poller: Poller
    let identity: Data
    let requestID: UInt64
    let maxMessageSize: Int

    func reply(_ payload: Data) async throws {
        guard payload.count <= maxMessageSize else {
            // Tell the caller now rather than let it wait for its timeout.
            try? poller.submit(.reply(identity: identity, [
                WireHeader(kind: .error, requestID: requestID).encoded(),
                WireFailure.payload(.tooLarge, "\(payload.count) \(maxMessageSize)"),
            ]))
            throw TransportError.messageTooLarge(payload.count, limit: maxMessageSize)
        }
        try poller.submit(.reply(identity: identity, [WireHeader(kind: .reply, requestID: requestID).encoded(), payload]))
    }
}
