import Foundation
import Logging
import NimbusKernel
import ZeroMQTransport

/// The transport alone (no RPC envelope, no JSON): separates what ZeroMQTransport costs from what
/// NimbusRPC's codec costs.
enum TransportBench {
    static func run(calls: Int, casts: Int, payload: Data) async throws -> RPCBench.Result {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let server = try ZeroMQTransport(context: PluginContext(
            config: try NimbusConfig(overrides: ["DEFAULT.transport_url": "zmq://127.0.0.1:0", "zmq.hwm": "100000"]),
            logger: logger))
        let endpoint = try await server.bind()
        let client = try ZeroMQTransport(context: PluginContext(
            config: try NimbusConfig(overrides: ["DEFAULT.transport_url": "zmq://" + endpoint.dropFirst(6),
                                                 "zmq.hwm": "100000"]),
            logger: logger))
        let target = TransportTarget(topic: "conductor", server: "bench")
        let sub = try await server.listen(target)
        let serving = Task {
            var seen = 0
            for await m in sub.messages {
                if let r = m.replyChannel { try? await r.reply(m.payload) } else { seen += 1 }
            }
            return seen
        }
        for _ in 0..<100 { _ = try await client.request(payload, to: target, timeout: .seconds(30)) }
        let clock = ContinuousClock()
        var latencies: [Duration] = []
        latencies.reserveCapacity(calls)
        for _ in 0..<calls {
            let start = clock.now
            _ = try await client.request(payload, to: target, timeout: .seconds(30))
            latencies.append(clock.now - start)
        }
        let start = clock.now
        for _ in 0..<casts { try await client.send(payload, to: target) }
        // Same connection, same order: when this reply arrives every cast before it was delivered.
        _ = try await client.request(payload, to: target, timeout: .seconds(60))
        let elapsed = clock.now - start
        await client.shutdown()
        await server.shutdown()
        _ = await serving.value
        return RPCBench.Result(latencies: latencies, castsPerSecond: Double(casts) / elapsed.seconds)
    }
}
