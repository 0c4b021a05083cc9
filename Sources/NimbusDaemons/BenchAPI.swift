import ArgumentParser
import Foundation
import Logging
import NimbusAPI
import NimbusKernel
import NimbusStore
import ServiceLifecycle

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension BenchCommand {
    /// `nimbus bench api`: `GET /v2.1/servers/detail` (microversion 2.100, admin view) over real HTTP on
    /// 127.0.0.1 against a scratch store holding N ACTIVE servers; prints p50/p99 per N.
    struct API: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "api", abstract: "Benchmark GET /v2.1/servers/detail with N servers.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Server counts, comma separated.") var servers: String = "100,1000"
        @Option(help: "Requests per count (after 5 warm-up requests).") var requests: Int = 200
        @Option(help: "The path to GET (the servers are there for any listing).")
        var path = "/v2.1/servers/detail"
        @Flag(help: "Use URLSession (a new libcurl request each time) instead of one keep-alive connection.")
        var urlSession = false

        func run() async throws {
            print("| servers | requests | p50 ms | p99 ms | response KiB |")
            print("|---:|---:|---:|---:|---:|")
            for n in servers.split(separator: ",").compactMap({ Int($0) }) {
                let dir = NSTemporaryDirectory() + "nimbus-bench-api-\(UUID().uuidString)"
                defer { try? FileManager.default.removeItem(atPath: dir) }
                var logger = Logger(label: "nimbus.bench")
                logger.logLevel = .warning
                let runtime = try NimbusRuntime(registry: Nimbus.registry, configFiles: common.configFiles, overrides: [
                    "DEFAULT.state_path": dir, "DEFAULT.transport_url": "inprocess://bench-api-\(UUID().uuidString)",
                ], logger: logger)
                let store = try runtime.openStore(migrate: true)
                try await Self.populate(store, servers: n)
                let api = try ComputeAPI(store: store, transport: try runtime.makeTransport(), config: runtime.config,
                                         logger: runtime.logger)
                let (stream, cont) = AsyncStream.makeStream(of: Int.self)
                let server = APIServerService(api: api, host: "127.0.0.1", port: 0, logger: runtime.logger,
                                              onBound: { cont.yield($0) })
                let group = ServiceGroup(configuration: .init(services: [.init(service: StoreCheckpoints(store: store)),
                                                                        .init(service: server)],
                                                             logger: runtime.logger))
                let task = Task { try await group.run() }
                var it = stream.makeAsyncIterator()
                guard let port = await it.next() else { continue }
                let (samples, size) = urlSession
                    ? try await Self.measureURLSession(port: port, path: path, requests: requests)
                    : try await Self.measureKeepAlive(port: port, path: path, requests: requests)
                await group.triggerGracefulShutdown()
                _ = await task.result
                func pct(_ p: Double) -> Double { samples[min(samples.count - 1, Int(Double(samples.count) * p))] }
                print(String(format: "| %d | %d | %.2f | %.2f | %.0f |", n, samples.count, pct(0.5), pct(0.99),
                             Double(size) / 1024))
            }
        }

        static let headers = ["OpenStack-API-Version": "compute 2.100"]

        /// Sorted latencies in ms over one keep-alive connection, on a thread of its own (blocking socket reads).
        static func measureKeepAlive(port: Int, path: String, requests: Int) async throws -> ([Double], Int) {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<([Double], Int), Error>) in
                Thread {
                    c.resume(with: Result {
                        let client = try BenchHTTPClient(port: port)
                        var samples: [Double] = []
                        var size = 0
                        for i in 0..<(requests + 5) {
                            let start = DispatchTime.now().uptimeNanoseconds
                            let (status, bytes) = try client.get(path, headers: headers)
                            let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                            guard status == 200 else { throw BenchHTTPClient.Failure(description: "status \(status)") }
                            if i >= 5 { samples.append(ms) }
                            size = bytes
                        }
                        return (samples.sorted(), size)
                    })
                }.start()
            }
        }

        /// Sorted latencies in ms with URLSession, as the first figures were taken.
        static func measureURLSession(port: Int, path: String, requests: Int) async throws -> ([Double], Int) {
            var req = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            for (k, v) in headers { req.setValue(v, forHTTPHeaderField: k) }
            var samples: [Double] = []
            var size = 0
            let clock = ContinuousClock()
            for i in 0..<(requests + 5) {
                var data = Data()
                let t = try await clock.measure { (data, _) = try await URLSession.shared.data(for: req) }
                if i >= 5 { samples.append(Double(t.components.attoseconds) / 1e15 + Double(t.components.seconds) * 1000) }
                size = data.count
            }
            return (samples.sorted(), size)
        }

        /// N ACTIVE servers spread over 10 hosts, with metadata and a tag, as a listing would see them.
        static func populate(_ store: NimbusStore, servers n: Int) async throws {
            let flavor = Flavor(id: "1", name: "m1.tiny", memoryMB: 512, vcpus: 1, rootGB: 1)
            _ = try await store.createFlavor(flavor)
            let now = Date()
            let instances = (0..<n).map { k in
                InstanceRecord(name: "bench-\(k + 1)", projectID: "admin", userID: "admin", flavor: flavor,
                               imageRef: UUID().uuidString.lowercased(), reservationID: "r-bench", launchIndex: k,
                               metadata: ["role": "bench"], createdAt: now.addingTimeInterval(Double(k) / 1000))
            }
            try await store.createServers(instances, fields: ServerAPIFields(tags: ["bench"]),
                                          spec: RequestSpec(flavor: flavor, numInstances: n), requestID: "req-bench",
                                          group: nil, limits: [:])
            for (k, i) in instances.enumerated() {
                try await store.updateInstance(i.uuid, InstanceUpdate(
                    vmState: .active, taskState: .some(nil), powerState: .running, host: .some("host-\(k % 10)"),
                    node: .some("host-\(k % 10)"), launchedAt: now))
            }
        }
    }
}
