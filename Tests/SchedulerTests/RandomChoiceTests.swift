import BuiltinPlugins
import Foundation
import Logging
import NimbusKernel
import NimbusKernelTestKit
import NimbusScheduler
import NimbusStore
import Testing

/// `host_subset_size` and `shuffle_best_same_weighed_hosts` choose at random among equally good hosts; the
/// generator is injected, so a seed fixes the choice.
@Suite struct RandomChoiceTests {
    /// The host chosen for each of `boots` one-instance requests on a fresh cloud of four identical hosts.
    static func choices(_ options: [String: String], seed: UInt64, boots: Int = 6) async throws -> [String] {
        let cloud = try await Cloud.make(hosts: 4)
        let scheduler = try SchedulerManager(store: cloud.store, registry: .builtin(),
                                             config: try NimbusConfig(overrides: options), logger: Logger(label: "test"),
                                             random: SchedulerRandom(SeededGenerator(seed: seed)))
        var hosts: [String] = []
        for _ in 0..<boots { hosts += try await cloud.boot(scheduler, Make.spec().build()) }
        return hosts
    }

    static let options: [[String: String]] = [
        ["filter_scheduler.host_subset_size": "4"],
        ["filter_scheduler.shuffle_best_same_weighed_hosts": "true"],
    ]

    @Test(arguments: options)
    func theSameSeedMakesTheSameChoices(_ options: [String: String]) async throws {
        let first = try await Self.choices(options, seed: 42)
        #expect(try await Self.choices(options, seed: 42) == first)
        #expect(first.allSatisfy { ["host1", "host2", "host3", "host4"].contains($0) })
    }

    @Test(arguments: options)
    func theChoiceFollowsTheGenerator(_ options: [String: String]) async throws {
        // Four equal hosts, one boot per seed: the first choice is the generator's, so eight seeds reach more
        // than one host (fixed seeds: the outcome is the same on every run).
        var firsts: Set<String> = []
        for seed in UInt64(1)...8 { firsts.formUnion(try await Self.choices(options, seed: seed, boots: 1)) }
        #expect(firsts.count > 1, "\(firsts)")
    }

    @Test func withoutRandomOptionsTheBestHostIsChosenWhateverTheSeed() async throws {
        let a = try await Self.choices([:], seed: 1)
        #expect(try await Self.choices([:], seed: 2) == a)
    }
}
