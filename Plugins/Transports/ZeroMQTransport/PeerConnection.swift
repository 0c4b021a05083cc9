import CZeroMQ
import Foundation
import NimbusKernel

/// Where a peer listens and, with CURVE, the public key its ROUTER proves.
public struct ZeroMQPeer: Sendable, Hashable, CustomStringConvertible {
    public var endpoint: String
    public var publicKey: String?

    public init(endpoint: String, publicKey: String? = nil) {
        self.endpoint = endpoint
        self.publicKey = publicKey
    }

    public var description: String { endpoint }
}

/// One DEALER connected to one peer's ROUTER, plus a monitor that turns libzmq's silent handshake
/// retries into a visible failure. libzmq reconnects by itself when the peer restarts, and keeps
/// queued messages (up to the HWM) across the gap. Poller-thread only.
final class PeerConnection {
    let peer: ZeroMQPeer
    let dealer: ZMQSocket
    let monitor: ZMQSocket
    let usesCurve: Bool
    /// A message waiting for room in the DEALER (its HWM was reached).
    struct Outgoing {
        var frames: [Data]
        var target: TransportTarget
        var requestID: UInt64?
    }

    /// Messages libzmq could not take yet, oldest first; at most `[zmq] hwm` of them.
    var backlog = Backlog()
    /// When we last sent to this peer, for closing idle connections.
    var lastUsed = ContinuousClock.now
    /// Set while the last handshake failed; sends fail fast with it until a handshake succeeds.
    private(set) var failure: String?
    private var connected = false
    private var handshook = false

    struct Curve {
        var ownPublicKey: String
        var ownSecretKey: String
    }

    enum Event {
        case handshakeFailed(String)
        case handshakeSucceeded
    }

    init(context: UnsafeMutableRawPointer, peer: ZeroMQPeer, curve: Curve?, hwm: Int32, maxMessageSize: Int64,
         monitorID: Int) throws {
        self.peer = peer
        usesCurve = curve != nil
        dealer = try ZMQSocket(context: context, type: ZMQ_DEALER)
        try dealer.set(ZMQ_SNDHWM, hwm)
        try dealer.set(ZMQ_RCVHWM, hwm)
        try dealer.set(ZMQ_MAXMSGSIZE, maxMessageSize)
        try dealer.set(ZMQ_RECONNECT_IVL, Int32(100))
        try dealer.set(ZMQ_RECONNECT_IVL_MAX, Int32(2000))
        if let curve {
            guard let serverKey = peer.publicKey else {
                throw CurveKeyError.invalid("no CURVE public key is known for \(peer.endpoint)")
            }
            try dealer.set(ZMQ_CURVE_SERVERKEY, string: serverKey)
            try dealer.set(ZMQ_CURVE_PUBLICKEY, string: curve.ownPublicKey)
            try dealer.set(ZMQ_CURVE_SECRETKEY, string: curve.ownSecretKey)
        }
        let monitorEndpoint = "inproc://nimbus.monitor.\(monitorID)"
        let events = ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED
            | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
        guard zmq_socket_monitor(dealer.handle, monitorEndpoint, events) == 0 else {
            throw ZMQError.last("zmq_socket_monitor")
        }
        monitor = try ZMQSocket(context: context, type: ZMQ_PAIR)
        try monitor.connect(monitorEndpoint)
        try dealer.connect(peer.endpoint)
    }

    func close() {
        zmq_socket_monitor(dealer.handle, nil, 0)
        monitor.close()
        dealer.close()
    }

    /// Reads pending monitor events and reports handshake outcomes: only transitions, so a peer that
    /// keeps failing (libzmq retries forever) logs once, not on every retry.
    func readEvents() -> [Event] {
        var out: [Event] = []
        while let frames = monitor.receive() {
            guard let first = frames.first, first.count >= 6 else { continue }
            let b = [UInt8](first)
            // Native byte order (little-endian on every platform we build for): u16 event, u32 value.
            let event = Int32(UInt16(b[0]) | UInt16(b[1]) << 8)
            let value = UInt32(b[2]) | UInt32(b[3]) << 8 | UInt32(b[4]) << 16 | UInt32(b[5]) << 24
            switch event {
            case ZMQ_EVENT_CONNECTED:
                connected = true
                handshook = false
            case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
                handshook = true
                if failure != nil { out.append(.handshakeSucceeded) }
                failure = nil
            case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
                out += fail("the server refused this node's key (ZAP status \(value)): add its public key "
                    + "to the server's curve_allowed_clients_file")
            case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
                out += fail("protocol error \(value) (mismatched CURVE settings or keys?)")
            case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
                // What a wrong server key looks like from the client: the server cannot read our HELLO
                // and hangs up (EPIPE / ECONNRESET), with no ERROR command to explain.
                out += fail(usesCurve ? "the server dropped the handshake (errno \(value)): wrong server public key?"
                    : "no detail (errno \(value))")
            case ZMQ_EVENT_DISCONNECTED:
                if connected && !handshook {
                    // The server hung up mid-handshake: with CURVE, it could not decrypt our HELLO,
                    // i.e. the server public key we hold is not the server's.
                    out += fail(!usesCurve
                        ? "the server closed the connection during the handshake (is CURVE enabled on one side only?)"
                        : "the server closed the connection during the handshake: wrong server public key?")
                }
                connected = false
            default:
                break
            }
        }
        return out
    }

    private func fail(_ why: String) -> [Event] {
        guard failure == nil else { return [] }
        let message = "\(usesCurve ? "CURVE" : "ZeroMQ") handshake failed with \(peer.endpoint): \(why)"
        failure = message
        return [.handshakeFailed(message)]
    }
}

/// A FIFO with O(1) removal at the front (an array and a head index, compacted as it drains).
struct Backlog {
    private var items: [PeerConnection.Outgoing] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }
    var count: Int { items.count - head }
    var first: PeerConnection.Outgoing? { isEmpty ? nil : items[head] }

    mutating func append(_ m: PeerConnection.Outgoing) { items.append(m) }

    mutating func removeFirst() {
        head += 1
        if head == items.count || head > 1024 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
    }

    mutating func drain() -> [PeerConnection.Outgoing] {
        defer { items = []; head = 0 }
        return Array(items[head...])
    }
}
