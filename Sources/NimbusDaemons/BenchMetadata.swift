import ArgumentParser
import Foundation
import Logging
import MetadataDocuments
import NimbusKernel
import NimbusMetadata
import NimbusStore
import ServiceLifecycle

extension BenchCommand {
    /// `nimbus bench metadata`: a guest's requests to the metadata service over one keep-alive connection on
    /// 127.0.0.1 (the guest found by its source address, as without Neutron's proxy), with the cache on and off.
    /// Run under `taskset -c 0` for a one-core figure (the client shares the core).
    struct Metadata: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "metadata", abstract: "Benchmark the metadata service (requests/s, p50/p99).")
        @Option(help: "Requests per path and cache setting (after 20 warm-up requests).") var requests: Int = 5000
        @Option(help: "Paths to GET, comma separated.")
        var paths = "/openstack/latest/meta_data.json,/latest/meta-data/hostname,/openstack/latest/network_data.json"

        func run() async throws {
            print("| path | cache s | requests | requests/s | p50 ms | p99 ms |")
            print("|---|---:|---:|---:|---:|---:|")
            for ttl in [15, 0] {
                let dir = NSTemporaryDirectory() + "nimbus-bench-md-\(UUID().uuidString)"
                defer { try? FileManager.default.removeItem(atPath: dir) }
                let store = try NimbusStore(path: dir + "/nimbus.sqlite")
                try store.migrate()
                try await Self.populate(store)
                var logger = Logger(label: "nimbus.bench")
                logger.logLevel = .warning
                let server = MetadataServer(settings: MetadataSettings(cacheExpiration: ttl), store: store, logger: logger)
                let group = ServiceGroup(configuration: .init(services: [.init(service: StoreCheckpoints(store: store)),
                                                                        .init(service: server)], logger: logger))
                let task = Task { try await group.run() }
                let port = await server.boundPort()
                for path in paths.split(separator: ",").map(String.init) {
                    let (samples, seconds) = try await Self.measure(port: port, path: path, requests: requests)
                    func pct(_ p: Double) -> Double { samples[min(samples.count - 1, Int(Double(samples.count) * p))] }
                    print(String(format: "| %@ | %d | %d | %.0f | %.3f | %.3f |", path, ttl, samples.count,
                                 Double(samples.count) / seconds, pct(0.5), pct(0.99)))
                }
                await group.triggerGracefulShutdown()
                _ = await task.result
            }
        }

        /// Sorted latencies (ms) and the wall time of the measured requests, on a thread of its own.
        static func measure(port: Int, path: String, requests: Int) async throws -> ([Double], Double) {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<([Double], Double), Error>) in
                Thread {
                    c.resume(with: Result {
                        let client = try BenchHTTPClient(port: port)
                        var samples: [Double] = []
                        samples.reserveCapacity(requests)
                        var begin: UInt64 = 0
                        for i in 0..<(requests + 20) {
                            if i == 20 { begin = DispatchTime.now().uptimeNanoseconds }
                            let start = DispatchTime.now().uptimeNanoseconds
                            let (status, _) = try client.get(path, headers: [:])
                            guard status == 200 else { throw BenchHTTPClient.Failure(description: "\(path): status \(status)") }
                            if i >= 20 { samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6) }
                        }
                        return (samples.sorted(), Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9)
                    })
                }.start()
            }
        }

        /// One ACTIVE instance with a key pair, user data and a port holding 127.0.0.1 (the client's address).
        static func populate(_ store: NimbusStore) async throws {
            let flavor = Flavor(id: "1", name: "m1.tiny", memoryMB: 512, vcpus: 1, rootGB: 1)
            var i = InstanceRecord(name: "bench", projectID: "bench", userID: "bench", flavor: flavor, imageRef: "image",
                                   keyName: "k", metadata: ["role": "bench"],
                                   userData: Data("#cloud-config\n".utf8).base64EncodedString())
            i.vmState = .active
            try await store.createServers([i], fields: ServerAPIFields(), spec: RequestSpec(flavor: flavor),
                                          requestID: "req-bench", group: nil, limits: [:])
            try await store.createKeypair(KeypairRecord(userID: "bench", name: "k", type: "ssh",
                                                        publicKey: "ssh-ed25519 AAAAbench bench", fingerprint: "f"), limit: nil)
            let net = NetworkRecord(name: "bench", projectID: "bench")
            try await store.saveNetwork(net, insert: true)
            let subnet = SubnetRecord(networkID: net.id, projectID: "bench", ipVersion: 4, cidr: "127.0.0.0/24",
                                      gatewayIP: "127.0.0.254", allocationPools: [IPRange(start: "127.0.0.1", end: "127.0.0.9")])
            try await store.createSubnet(subnet)
            _ = try await store.createPort(PortRecord(networkID: net.id, projectID: "bench",
                                                      deviceID: i.uuid.uuidString.lowercased(), deviceOwner: "compute:nova"),
                                           requests: [FixedIPRequest(subnetID: subnet.id, ipAddress: "127.0.0.1")])
        }
    }
}
