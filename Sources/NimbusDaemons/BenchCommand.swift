import ArgumentParser
import Foundation
import NimbusKernel
import NimbusScheduler
import NimbusStore

/// `nimbus bench scheduler`: times `select_destinations` (default filters, every weigher, claims included)
/// on a scratch store of fake nodes, for each host count × request size, and prints throughput and latency.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", subcommands: [Scheduler.self, API.self, Metadata.self])

    struct Scheduler: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scheduler", abstract: "Benchmark select_destinations on a scratch store.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Host counts, comma separated.") var hosts: String = "100,1000,10000"
        @Option(help: "Instances per request, comma separated.") var sizes: String = "1,100"
        @Option(help: "Seconds to spend per cell (at least 5 requests).") var seconds: Double = 3

        func run() async throws {
            let runtime = try common.runtime(label: "nimbus.bench")
            print("| hosts | instances/request | requests | requests/s | placements/s | p50 ms | p99 ms |")
            print("|---:|---:|---:|---:|---:|---:|---:|")
            for n in hosts.split(separator: ",").compactMap({ Int($0) }) {
                let dir = NSTemporaryDirectory() + "nimbus-bench-\(UUID().uuidString)"
                defer { try? FileManager.default.removeItem(atPath: dir) }
                let store = try NimbusStore(path: dir + "/nimbus.sqlite")
                try store.migrate()
                try await Self.populate(store, hosts: n)
                let checkpoints = Task { await store.runCheckpoints() }  // as the daemons run them
                defer { checkpoints.cancel() }
                let scheduler = try SchedulerManager(store: store, registry: runtime.registry, config: runtime.config,
                                                     logger: runtime.logger)
                for size in sizes.split(separator: ",").compactMap({ Int($0) }) {
                    let r = try await measure(scheduler, store, size: size)
                    print(String(format: "| %d | %d | %d | %.1f | %.0f | %.3f | %.3f |", n, size, r.count,
                                 r.perSecond, r.perSecond * Double(size), r.p50 * 1000, r.p99 * 1000))
                }
            }
        }

        func measure(_ scheduler: SchedulerManager, _ store: NimbusStore, size: Int)
            async throws -> (count: Int, perSecond: Double, p50: Double, p99: Double)
        {
            let spec = RequestSpec(flavor: Flavor(id: "bench", name: "bench", memoryMB: 512, vcpus: 1, rootGB: 1),
                                   projectID: "bench", userID: "bench", numInstances: size)
            var samples: [Double] = []
            let clock = ContinuousClock()
            let budget = Duration.seconds(seconds)
            var spent = Duration.zero
            // One warm-up request, then until the budget is spent; claims are released outside the timing.
            while samples.count < 6 || spent < budget {
                let ids = (0..<size).map { _ in UUID() }
                let elapsed = try await clock.measure { _ = try await scheduler.selectDestinations(spec, instanceUUIDs: ids) }
                for id in ids { try await store.releaseAllocations(consumer: id) }
                spent += elapsed
                samples.append(Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
                if samples.count > 2000 { break }
            }
            samples.removeFirst()
            samples.sort()
            let total = samples.reduce(0, +)
            func pct(_ p: Double) -> Double { samples[min(samples.count - 1, Int(Double(samples.count) * p))] }
            return (samples.count, Double(samples.count) / total, pct(0.5), pct(0.99))
        }

        /// n enabled, up nodes of 64 vCPU / 256 GB / 4 TB: room for every benchmark request.
        static func populate(_ store: NimbusStore, hosts n: Int) async throws {
            for i in 0..<n {
                let host = String(format: "bench%05d", i)
                _ = try await store.registerService(host: host, binary: "nova-compute", topic: "compute")
                try await store.upsertComputeNode(
                    host: host,
                    resources: HostResources(hypervisorHostname: host, vcpus: 64, memoryMB: 262_144, localGB: 4096,
                                             hypervisorVersion: 1000 + i % 7),
                    inventory: InventorySettings(reserved: .zero, cpuRatio: 4, ramRatio: 1, diskRatio: 1))
            }
        }
    }
}
