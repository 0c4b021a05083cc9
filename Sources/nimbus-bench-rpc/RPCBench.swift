import Foundation
import Logging
import NimbusKernel
import NimbusRPC
import Synchronization
import ZeroMQTransport

/// The same workload through NimbusRPC (RPCClient → ZeroMQTransport → RPCServer): `call` round trips
/// one at a time, then `cast`s pipelined from one sender until the server has handled them all.
enum RPCBench {
    struct Message: Codable, Sendable {
        var instanceUUID: String
        var host: String
        var sequence: Int
    }

    struct Result {
        var latencies: [Duration]
        var castsPerSecond: Double
    }

    /// Counts casts; wakes the bench when the last one arrived.
    final class CastCounter: Sendable {
        let seen = Atomic<Int>(0)
        let target: Int
        let finished: AsyncStream<Void>.Continuation
        init(target: Int, finished: AsyncStream<Void>.Continuation) {
            self.target = target
            self.finished = finished
        }
        func hit() {
            if seen.wrappingAdd(1, ordering: .relaxed).newValue == target { finished.yield() }
        }
    }

    static func run(calls: Int, casts: Int, curve: CurveSetup?) async throws -> Result {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        var serverOptions: [String: String] = ["DEFAULT.transport_url": "zmq://127.0.0.1:0", "zmq.hwm": "100000"]
        if let curve { serverOptions.merge(curve.options(for: "server")) { $1 } }
        let server = try ZeroMQTransport(context: PluginContext(config: try NimbusConfig(overrides: serverOptions), logger: logger))
        let endpoint = try await server.bind()
        var clientOptions: [String: String] = ["DEFAULT.transport_url": "zmq://" + endpoint.dropFirst(6), "zmq.hwm": "100000"]
        if let curve { clientOptions.merge(curve.options(for: "client")) { $1 } }
        let client = try ZeroMQTransport(context: PluginContext(config: try NimbusConfig(overrides: clientOptions), logger: logger))

        let (finished, finishedContinuation) = AsyncStream.makeStream(of: Void.self)
        let counter = CastCounter(target: casts, finished: finishedContinuation)
        var endpointAPI = RPCEndpoint(version: "1.0")
        endpointAPI.on("echo") { (m: Message) in m }
        endpointAPI.on("note") { (_: Message) in counter.hit(); return Empty() }
        let target = TransportTarget(topic: "conductor", server: "bench")
        let rpcServer = RPCServer(transport: server, target: target, endpoints: [endpointAPI], logger: logger)
        let serving = Task { try await rpcServer.run() }
        try await Task.sleep(for: .milliseconds(200))

        let rpc = RPCClient(transport: client, target: target, timeout: .seconds(30))
        let message = Message(instanceUUID: UUID().uuidString, host: "compute-1", sequence: 1)
        for _ in 0..<100 { _ = try await rpc.call("echo", message, returning: Message.self) }  // warm up
        let clock = ContinuousClock()
        var latencies: [Duration] = []
        latencies.reserveCapacity(calls)
        for _ in 0..<calls {
            let start = clock.now
            _ = try await rpc.call("echo", message, returning: Message.self)
            latencies.append(clock.now - start)
        }
        let start = clock.now
        for _ in 0..<casts { try await rpc.cast("note", message) }
        for await _ in finished { break }
        let elapsed = clock.now - start

        await client.shutdown()
        await server.shutdown()
        _ = await serving.result
        return Result(latencies: latencies, castsPerSecond: Double(casts) / elapsed.seconds)
    }

    /// The request frame the RPC layer puts on the wire for one `echo` call, so the raw baseline
    /// moves the same bytes.
    static func samplePayload() throws -> Data {
        let header = Envelope.RequestHeader(method: "echo", version: "1.0")
        let body = try JSONEncoder().encode(Message(instanceUUID: UUID().uuidString, host: "compute-1", sequence: 1))
        return Envelope.frame(header: header, body: body)
    }
}

/// Key files for a CURVE run, in a temporary directory.
struct CurveSetup {
    let root: String

    init() throws {
        root = NSTemporaryDirectory() + "nimbus-bench-\(UUID().uuidString.prefix(8))"
        for node in ["server", "client"] {
            try CurveKeyFiles.generate(secretKeyFile: "\(root)/\(node)/zmq/curve.key",
                                       publicKeyFile: "\(root)/\(node)/zmq/curve.pub")
        }
        try String(contentsOfFile: "\(root)/client/zmq/curve.pub", encoding: .utf8)
            .write(toFile: "\(root)/server/zmq/allowed_clients", atomically: true, encoding: .utf8)
    }

    func options(for node: String) -> [String: String] {
        ["zmq.curve_enabled": "true", "DEFAULT.state_path": "\(root)/\(node)",
         "zmq.curve_server_public_key_file": "\(root)/server/zmq/curve.pub"]
    }
}
