import Foundation
import NimbusKernel
import Synchronization

/// The listeners of one transport instance, by topic. Filled by `listen` (any task), read by the
/// poller thread when a message arrives; each listener's queue is bounded by the HWM.
final class Listeners: Sendable {
    struct Listener {
        let id: Int
        let target: TransportTarget
        let continuation: AsyncStream<InboundMessage>.Continuation
    }

    enum Outcome {
        case delivered
        case noListener
        case queueFull
    }

    private struct State {
        var nextID = 0
        var byTopic: [String: [Listener]] = [:]
        var roundRobin: [String: Int] = [:]
    }

    private let state = Mutex(State())
    let queueLimit: Int

    init(queueLimit: Int) { self.queueLimit = queueLimit }

    func add(_ target: TransportTarget) -> (AsyncStream<InboundMessage>, remove: @Sendable () -> Void) {
        let (stream, continuation) = AsyncStream.makeStream(
            of: InboundMessage.self, bufferingPolicy: .bufferingOldest(queueLimit))
        let id = state.withLock { s in
            s.nextID += 1
            s.byTopic[target.topic, default: []].append(Listener(id: s.nextID, target: target, continuation: continuation))
            return s.nextID
        }
        let remove: @Sendable () -> Void = { [weak self] in
            self?.state.withLock { s in s.byTopic[target.topic]?.removeAll { $0.id == id } }
            continuation.finish()
        }
        continuation.onTermination = { _ in remove() }
        return (stream, remove)
    }

    var targets: [TransportTarget] { state.withLock { $0.byTopic.values.flatMap { $0.map(\.target) } } }

    func isListening(_ target: TransportTarget) -> Bool {
        state.withLock { s in
            guard let all = s.byTopic[target.topic] else { return false }
            return target.server == nil ? !all.isEmpty : all.contains { $0.target.server == target.server }
        }
    }

    /// Hands a request or cast to the named server, or to one listener of the topic (round-robin).
    func deliver(_ message: InboundMessage, to target: TransportTarget) -> Outcome {
        let listener: Listener? = state.withLock { s in
            guard let all = s.byTopic[target.topic], !all.isEmpty else { return nil }
            if let server = target.server { return all.first { $0.target.server == server } }
            let i = s.roundRobin[target.topic, default: 0]
            s.roundRobin[target.topic] = i &+ 1
            return all[i % all.count]
        }
        guard let listener else { return .noListener }
        return Self.yield(message, to: listener)
    }

    /// Hands a fanout message to every listener of the topic in this process.
    func deliverToAll(_ message: InboundMessage, topic: String) -> (delivered: Int, full: Int) {
        let all = state.withLock { $0.byTopic[topic] ?? [] }
        var delivered = 0, full = 0
        for l in all {
            if case .delivered = Self.yield(message, to: l) { delivered += 1 } else { full += 1 }
        }
        return (delivered, full)
    }

    private static func yield(_ m: InboundMessage, to l: Listener) -> Outcome {
        switch l.continuation.yield(m) {
        case .enqueued: .delivered
        case .dropped: .queueFull
        case .terminated: .noListener
        @unknown default: .noListener
        }
    }

    func finishAll() {
        let all = state.withLock { s in
            defer { s.byTopic = [:] }
            return s.byTopic.values.flatMap { $0 }
        }
        for l in all { l.continuation.finish() }
    }
}
