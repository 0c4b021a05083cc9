import Foundation

// nimbus-bench-rpc [calls] [casts]: RPC over ZeroMQ on 127.0.0.1 beside a raw libzmq echo, same run.
// Build with `-c release`; figures are recorded in docs/zeromq.md.
let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let calls = arguments.first ?? 20_000
let casts = arguments.dropFirst().first ?? 100_000

func percentile(_ sorted: [Duration], _ p: Double) -> Double {
    sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))].microseconds
}

func report(_ name: String, _ latencies: [Duration], _ castsPerSecond: Double) -> (p50: Double, p99: Double, casts: Double) {
    let sorted = latencies.sorted()
    let (p50, p99) = (percentile(sorted, 0.50), percentile(sorted, 0.99))
    print(String(format: "%-28@ call p50 %7.1f µs  p99 %7.1f µs   cast %9.0f msg/s", name as NSString, p50, p99, castsPerSecond))
    return (p50, p99, castsPerSecond)
}

print("calls: \(calls) sequential round trips; casts: \(casts) pipelined from one sender; tcp://127.0.0.1")
let payload = try RPCBench.samplePayload()
let raw = RawEcho.run(calls: calls, casts: casts, payload: payload)
let r = report("raw libzmq DEALER/ROUTER", raw.latencies, raw.castsPerSecond)
let bare = try await TransportBench.run(calls: calls, casts: casts, payload: payload)
let t = report("ZeroMQTransport alone", bare.latencies, bare.castsPerSecond)
let plain = try await RPCBench.run(calls: calls, casts: casts, curve: nil)
let p = report("NimbusRPC over zmq", plain.latencies, plain.castsPerSecond)
let curve = try CurveSetup()
let secured = try await RPCBench.run(calls: calls, casts: casts, curve: curve)
let c = report("NimbusRPC over zmq + CURVE", secured.latencies, secured.castsPerSecond)
try? FileManager.default.removeItem(atPath: curve.root)
print(String(format: "ratio transport/raw: call p50 %.2f×, p99 %.2f×, cast throughput %.2f× slower",
             t.p50 / r.p50, t.p99 / r.p99, r.casts / t.casts))
print(String(format: "ratio RPC/raw: call p50 %.2f×, p99 %.2f×, cast throughput %.2f× slower",
             p.p50 / r.p50, p.p99 / r.p99, r.casts / p.casts))
print(String(format: "ratio RPC+CURVE/raw: call p50 %.2f×, p99 %.2f×, cast throughput %.2f× slower",
             c.p50 / r.p50, c.p99 / r.p99, r.casts / c.casts))
