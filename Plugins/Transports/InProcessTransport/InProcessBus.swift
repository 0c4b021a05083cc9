import Foundation
import NimbusKernel
import Synchronization

/// The message hub shared by every `InProcessTransport` created with the same URL in one process
/// (`inprocess://` or `inprocess://name`), so all-in-one services find each other without wiring.
final class InProcessBus: Sendable {
    struct Listener {
        let id: Int
        let server: String?
        let continuation: AsyncStream<InboundMessage>.Continuation
    }

    private struct State {
        var nextID = 0
        var listeners: [String: [Listener]] = [:]  // by topic
        var roundRobin: [String: Int] = [:]
    }

    private let state = Mutex(State())
    /// Per-listener queue bound: a full queue is an error, never unbounded growth.
    let queueLimit: Int

    init(queueLimit: Int) { self.queueLimit = queueLimit }

    private static let buses = Mutex([String: InProcessBus]())

    static func named(_ name: String, queueLimit: Int) -> InProcessBus {
        buses.withLock { buses in
            if let bus = buses[name] { return bus }
            let bus = InProcessBus(queueLimit: queueLimit)
            buses[name] = bus
            return bus
        }
    }

    func listen(_ target: TransportTarget) -> TransportSubscription {
        let (stream, continuation) = AsyncStream.makeStream(
            of: InboundMessage.self, bufferingPolicy: .bufferingOldest(queueLimit))
        let id = state.withLock { s in
            s.nextID += 1
            s.listeners[target.topic, default: []].append(
                Listener(id: s.nextID, server: target.server, continuation: continuation))
            return s.nextID
        }
        let remove: @Sendable () -> Void = { [weak self] in
            self?.state.withLock { s in s.listeners[target.topic]?.removeAll { $0.id == id } }
        }
        continuation.onTermination = { _ in remove() }
        return TransportSubscription(messages: stream, cancel: {
            remove()
            continuation.finish()
        })
    }

    /// Picks the listener for a target: the named server, or round-robin across the topic.
    private func pick(_ target: TransportTarget) -> Listener? {
        state.withLock { s in
            guard let all = s.listeners[target.topic], !all.isEmpty else { return nil }
            if let server = target.server { return all.first { $0.server == server } }
            let i = s.roundRobin[target.topic, default: 0]
            s.roundRobin[target.topic] = i &+ 1
            return all[i % all.count]
        }
    }

    func deliver(_ message: InboundMessage, to target: TransportTarget) throws(TransportError) {
        guard let listener = pick(target) else { throw .noListener(target) }
        try Self.yield(message, to: listener, target: target)
    }

    func fanout(_ message: InboundMessage, topic: String) throws(TransportError) {
        let all = state.withLock { $0.listeners[topic] ?? [] }
        for listener in all { try Self.yield(message, to: listener, target: TransportTarget(topic: topic)) }
    }

    private static func yield(_ m: InboundMessage, to l: Listener, target: TransportTarget) throws(TransportError) {
        switch l.continuation.yield(m) {
        case .enqueued: return
        case .dropped: throw .queueFull(target)
        case .terminated: throw .noListener(target)
        @unknown default: throw .closed
        }
    }
}
