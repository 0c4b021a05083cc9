import CZeroMQ
import Foundation

/// The baseline: bare libzmq, a ROUTER echo on its own thread and a DEALER driven by blocking calls
/// on the bench's thread. No framing, no Swift concurrency: what the wire and libzmq alone cost.
enum RawEcho {
    struct Result {
        var latencies: [Duration]
        var castsPerSecond: Double
    }

    static func run(calls: Int, casts: Int, payload: Data) -> Result {
        let context = zmq_ctx_new()!
        let router = zmq_socket(context, ZMQ_ROUTER)!
        setInt(router, ZMQ_SNDHWM, 0)  // no HWM drops: the baseline measures speed, not back-pressure
        setInt(router, ZMQ_RCVHWM, 0)
        zmq_bind(router, "tcp://127.0.0.1:0")
        var buffer = [CChar](repeating: 0, count: 256)
        var size = buffer.count
        zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, &buffer, &size)
        let endpoint = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)

        // Echo thread: frames [identity, kind, payload]; kind "c" (cast) is counted, "r" echoed back.
        let done = DispatchSemaphore(value: 0)
        let routerAddress = UInt(bitPattern: router)  // the socket is used only by this thread from here on
        let echo = Thread {
            let router = UnsafeMutableRawPointer(bitPattern: routerAddress)!
            var castsSeen = 0
            while true {
                guard let frames = receive(router) else { break }
                if frames.count == 3 && frames[1] == Data("r".utf8) {
                    send(router, frames)
                } else if frames.count == 3 && frames[1] == Data("c".utf8) {
                    castsSeen += 1
                    if castsSeen == casts { send(router, [frames[0], Data("r".utf8), Data()]) }
                } else { break }  // "q": quit
            }
            done.signal()
        }
        echo.start()

        let dealer = zmq_socket(context, ZMQ_DEALER)!
        setInt(dealer, ZMQ_SNDHWM, 0)
        setInt(dealer, ZMQ_RCVHWM, 0)
        zmq_connect(dealer, endpoint)
        let clock = ContinuousClock()
        for _ in 0..<100 { send(dealer, [Data("r".utf8), payload]); _ = receive(dealer) }  // warm up
        var latencies: [Duration] = []
        latencies.reserveCapacity(calls)
        for _ in 0..<calls {
            let start = clock.now
            send(dealer, [Data("r".utf8), payload])
            _ = receive(dealer)
            latencies.append(clock.now - start)
        }
        let start = clock.now
        for _ in 0..<casts { send(dealer, [Data("c".utf8), payload]) }
        _ = receive(dealer)  // the echo thread answers once it has counted every cast
        let elapsed = clock.now - start

        send(dealer, [Data("q".utf8), Data()])
        done.wait()
        setInt(dealer, ZMQ_LINGER, 0)
        setInt(router, ZMQ_LINGER, 0)
        zmq_close(dealer)
        zmq_close(router)
        zmq_ctx_term(context)
        return Result(latencies: latencies, castsPerSecond: Double(casts) / elapsed.seconds)
    }

    private static func setInt(_ socket: UnsafeMutableRawPointer, _ option: Int32, _ value: Int32) {
        var v = value
        zmq_setsockopt(socket, option, &v, 4)
    }

    private static func send(_ socket: UnsafeMutableRawPointer, _ frames: [Data]) {
        for (i, f) in frames.enumerated() {
            _ = f.withUnsafeBytes { zmq_send(socket, $0.baseAddress, $0.count, i < frames.count - 1 ? ZMQ_SNDMORE : 0) }
        }
    }

    private static func receive(_ socket: UnsafeMutableRawPointer) -> [Data]? {
        var frames: [Data] = []
        var more: Int32 = 1
        while more != 0 {
            var msg = zmq_msg_t()
            zmq_msg_init(&msg)
            defer { zmq_msg_close(&msg) }
            guard zmq_msg_recv(&msg, socket, 0) >= 0 else { return nil }
            frames.append(Data(bytes: zmq_msg_data(&msg), count: zmq_msg_size(&msg)))
            more = zmq_msg_more(&msg)
        }
        return frames
    }
}

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }

    var microseconds: Double { seconds * 1e6 }
}
