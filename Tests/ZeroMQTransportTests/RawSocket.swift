import CZeroMQ
import Foundation

/// A bare libzmq DEALER for sending what a well-behaved transport never would. Blocking calls run on
/// its own dispatch queue, never on the test's cooperative threads.
final class RawDealer: Sendable {
    // The context and socket pointers are only touched on `queue`, which serialises every use.
    nonisolated(unsafe) private let context: UnsafeMutableRawPointer
    nonisolated(unsafe) private let socket: UnsafeMutableRawPointer
    private let queue = DispatchQueue(label: "raw-dealer")

    init(connect endpoint: String) {
        context = zmq_ctx_new()
        socket = zmq_socket(context, ZMQ_DEALER)
        var linger: Int32 = 0
        zmq_setsockopt(socket, ZMQ_LINGER, &linger, 4)
        var timeout: Int32 = 10_000  // a reply that never comes fails the test instead of hanging it
        zmq_setsockopt(socket, ZMQ_RCVTIMEO, &timeout, 4)
        zmq_connect(socket, endpoint)
    }

    func close() {
        queue.sync {
            zmq_close(socket)
            zmq_ctx_term(context)
        }
    }

    func send(_ frames: [Data]) {
        queue.sync {
            for (i, f) in frames.enumerated() {
                _ = f.withUnsafeBytes { zmq_send(socket, $0.baseAddress, $0.count, i < frames.count - 1 ? ZMQ_SNDMORE : 0) }
            }
        }
    }

    /// One multipart message, or nil after the receive timeout.
    func receive() async -> [Data]? {
        await withCheckedContinuation { c in
            queue.async { [self] in
                var frames: [Data] = []
                var more: Int32 = 1
                while more != 0 {
                    var msg = zmq_msg_t()
                    zmq_msg_init(&msg)
                    defer { zmq_msg_close(&msg) }
                    guard zmq_msg_recv(&msg, socket, 0) >= 0 else { c.resume(returning: nil); return }
                    frames.append(Data(bytes: zmq_msg_data(&msg), count: zmq_msg_size(&msg)))
                    more = zmq_msg_more(&msg)
                }
                c.resume(returning: frames)
            }
        }
    }
}

/// The transport's header, spelled out by hand (docs/zeromq.md documents the layout).
func wireHeader(kind: UInt8, id: UInt64, topic: String, server: String?) -> Data {
    var b: [UInt8] = [0x4E, 0x5A, 1, kind]
    for s in stride(from: 56, through: 0, by: -8) { b.append(UInt8(truncatingIfNeeded: id >> UInt64(s))) }
    let t = Array(topic.utf8)
    b += [UInt8(t.count >> 8), UInt8(t.count & 0xFF)] + t
    if let server {
        let s = Array(server.utf8)
        b += [UInt8(s.count >> 8), UInt8(s.count & 0xFF)] + s
    } else {
        b += [0xFF, 0xFF]
    }
    return Data(b)
}
