import Foundation
import NimbusKernel
import Synchronization

/// Maps targets to peers (the matchmaker of oslo.messaging's driver, without Redis):
/// 1. endpoints set in code (`setEndpoint`, filled by the daemons from the services table),
/// 2. the resolver closure, if any,
/// 3. `[zmq] topic_endpoints` from config,
/// 4. the controller at `transport_url`, which serves everything not otherwise known.
/// For a bare topic the answer is every peer serving it: calls and casts pick one round-robin,
/// fanout sends to all of them (and to the controller, which drops topics it does not serve).
final class Directory: Sendable {
    typealias Resolver = @Sendable (TransportTarget) -> [ZeroMQPeer]

    private struct State {
        var explicit: [TransportTarget: ZeroMQPeer] = [:]
        var resolver: Resolver?
        var roundRobin: [String: Int] = [:]
    }

    let controller: ZeroMQPeer
    private let configured: [String: ZeroMQPeer]  // topic → peer, from [zmq] topic_endpoints
    private let state = Mutex(State())

    init(controller: ZeroMQPeer, configured: [String: ZeroMQPeer]) {
        self.controller = controller
        self.configured = configured
    }

    func set(_ peer: ZeroMQPeer?, for target: TransportTarget) {
        state.withLock { $0.explicit[target] = peer }
    }

    func setResolver(_ resolver: Resolver?) {
        state.withLock { $0.resolver = resolver }
    }

    /// Every peer known to serve `target` (for a bare topic: every server of the topic).
    private func known(_ target: TransportTarget) -> [ZeroMQPeer] {
        let (explicit, resolver): ([ZeroMQPeer], Resolver?) = state.withLock { s in
            let matches = target.server == nil
                ? s.explicit.filter { $0.key.topic == target.topic }.sorted { $0.key.description < $1.key.description }
                    .map(\.value)
                : s.explicit[target].map { [$0] } ?? []
            return (matches, s.resolver)
        }
        if target.server != nil && !explicit.isEmpty { return explicit }
        var peers = explicit
        for p in resolver?(target) ?? [] where !peers.contains(p) { peers.append(p) }
        if peers.isEmpty, let p = configured[target.topic] { peers.append(p) }
        return peers
    }

    /// The one peer a call or cast goes to.
    func peer(for target: TransportTarget) -> ZeroMQPeer {
        let peers = known(target)
        guard peers.count > 1 else { return peers.first ?? controller }
        let i = state.withLock { s in
            defer { s.roundRobin[target.topic, default: 0] &+= 1 }
            return s.roundRobin[target.topic, default: 0]
        }
        return peers[i % peers.count]
    }

    /// Every peer a fanout goes to, each endpoint once.
    func fanoutPeers(topic: String) -> [ZeroMQPeer] {
        var peers = known(TransportTarget(topic: topic))
        if !peers.contains(where: { $0.endpoint == controller.endpoint }) { peers.append(controller) }
        var seen = Set<String>()
        return peers.filter { seen.insert($0.endpoint).inserted }
    }
}
