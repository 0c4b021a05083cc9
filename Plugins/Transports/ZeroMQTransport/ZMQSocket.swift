import CZeroMQ
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A libzmq error with the operation that raised it.
struct ZMQError: Error, CustomStringConvertible {
    let code: Int32
    let operation: String

    static func last(_ operation: String) -> ZMQError { ZMQError(code: zmq_errno(), operation: operation) }

    var description: String { "\(operation): \(String(cString: zmq_strerror(code)))" }
}

/// A thin owner of one libzmq socket. Not thread-safe (libzmq sockets are not): every instance is
/// created, used and closed on the transport's poller thread only, so it is deliberately not Sendable.
final class ZMQSocket {
    let handle: UnsafeMutableRawPointer
    private var closed = false

    init(context: UnsafeMutableRawPointer, type: Int32) throws(ZMQError) {
        guard let h = zmq_socket(context, type) else { throw .last("zmq_socket") }
        handle = h
        try set(ZMQ_LINGER, Int32(0))  // never block shutdown on unsent messages
    }

    deinit { close() }

    func close() {
        guard !closed else { return }
        closed = true
        zmq_close(handle)
    }

    func set(_ option: Int32, _ value: Int32) throws(ZMQError) {
        var v = value
        guard zmq_setsockopt(handle, option, &v, MemoryLayout<Int32>.size) == 0 else { throw .last("setsockopt \(option)") }
    }

    func set(_ option: Int32, _ value: Int64) throws(ZMQError) {
        var v = value
        guard zmq_setsockopt(handle, option, &v, MemoryLayout<Int64>.size) == 0 else { throw .last("setsockopt \(option)") }
    }

    func set(_ option: Int32, string: String) throws(ZMQError) {
        let bytes = Array(string.utf8)
        let rc = bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        guard rc == 0 else { throw .last("setsockopt \(option)") }
    }

    func bind(_ endpoint: String) throws(ZMQError) {
        guard zmq_bind(handle, endpoint) == 0 else { throw .last("bind \(endpoint)") }
    }

    func connect(_ endpoint: String) throws(ZMQError) {
        guard zmq_connect(handle, endpoint) == 0 else { throw .last("connect \(endpoint)") }
    }

    /// The endpoint actually bound (resolves port 0 to the ephemeral port).
    var lastEndpoint: String {
        var buffer = [CChar](repeating: 0, count: 512)
        var size = buffer.count
        guard zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    enum SendResult {
        case sent
        /// The high-water mark is reached (or no peer can take the message): EAGAIN under ZMQ_DONTWAIT.
        case wouldBlock
        case failed(ZMQError)
    }

    /// Sends one multipart message without blocking. libzmq delivers multipart messages atomically,
    /// so only the first frame can meet a full queue.
    func send(_ frames: [Data]) -> SendResult {
        for (i, frame) in frames.enumerated() {
            let flags = ZMQ_DONTWAIT | (i < frames.count - 1 ? ZMQ_SNDMORE : 0)
            let rc = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
            if rc < 0 {
                let e = zmq_errno()
                if e == EAGAIN && i == 0 { return .wouldBlock }
                return .failed(ZMQError(code: e, operation: "send"))
            }
        }
        return .sent
    }

    /// Receives one whole multipart message without blocking; nil when nothing is waiting.
    func receive() -> [Data]? {
        var frames: [Data] = []
        var more: Int32 = 1
        while more != 0 {
            var msg = zmq_msg_t()
            zmq_msg_init(&msg)
            defer { zmq_msg_close(&msg) }
            let flags = frames.isEmpty ? ZMQ_DONTWAIT : 0  // later parts of a message are already here
            guard zmq_msg_recv(&msg, handle, flags) >= 0 else { return nil }
            let size = zmq_msg_size(&msg)
            frames.append(size == 0 ? Data() : Data(bytes: zmq_msg_data(&msg), count: size))
            more = zmq_msg_more(&msg)
        }
        return frames
    }
}

/// An eventfd the poller thread polls beside its sockets; senders write it to wake the thread.
final class WakeupFD: Sendable {
    let fd: Int32

    init() throws(ZMQError) {
        let fd = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard fd >= 0 else { throw ZMQError(code: errno, operation: "eventfd") }
        self.fd = fd
    }

    deinit { Glibc.close(fd) }

    func wake() {
        var one: UInt64 = 1
        _ = write(fd, &one, 8)
    }

    func drain() {
        var value: UInt64 = 0
        _ = read(fd, &value, 8)
    }
}
