import Foundation
import NimbusKernel
import Synchronization

/// The hand-off between Swift tasks and the poller thread that owns every libzmq socket of one
/// transport: tasks append commands (bounded) and wake the thread through an eventfd; the thread
/// drains them all at once. Nothing here blocks, so callers never tie up the cooperative pool.
final class Poller: Sendable {
    enum Command: Sendable {
        /// Binds the ROUTER (once) and reports the advertised endpoint.
        case bind(@Sendable (Result<String, TransportError>) -> Void)
        /// Sends a request, cast or fanout frame set to a peer. A request's failure completes its
        /// pending call; `done` (casts, fanout) learns whether libzmq took the message.
        case send(ZeroMQPeer, [Data], TransportTarget, requestID: UInt64?, done: (@Sendable (TransportError?) -> Void)?)
        /// A reply (or error reply) to the caller behind a ROUTER identity.
        case reply(identity: Data, [Data])
        /// Closes the DEALER to an endpoint no longer used (a restarted peer moved elsewhere).
        case disconnect(String)
        case shutdown(@Sendable () -> Void)
    }

    private struct Queue {
        var commands: [Command] = []
        var closed = false
    }

    private let queue = Mutex(Queue())
    let wakeup: WakeupFD
    /// Bound on commands waiting for the thread; beyond it senders get `queueFull`, never a growing queue.
    let capacity: Int

    init(capacity: Int) throws {
        wakeup = try WakeupFD()
        self.capacity = capacity
    }

    /// Queues a command; commands without a target (replies, bind, shutdown) bypass the bound: replies
    /// are already bounded by the requests the listeners' bounded queues accepted. Only the first command into an empty queue writes the eventfd: the thread
    /// reads the eventfd before taking the queue, so nothing queued after that read is missed.
    func submit(_ command: Command, target: TransportTarget? = nil) throws(TransportError) {
        enum Refusal { case closed, full }
        let (wasEmpty, refusal): (Bool, Refusal?) = queue.withLock { q in
            if q.closed { return (false, .closed) }
            if let _ = target, q.commands.count >= capacity { return (false, .full) }
            q.commands.append(command)
            return (q.commands.count == 1, nil)
        }
        switch refusal {
        case .closed: throw .closed
        case .full: throw .queueFull(target ?? TransportTarget(topic: ""))
        case nil: if wasEmpty { wakeup.wake() }
        }
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
