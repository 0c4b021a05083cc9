import Foundation
import Logging
import NimbusKernel
import NimbusKernelTestKit
import NimbusScheduler
import StandardFilters
import StandardWeighers
import Testing

let ctx = PluginContext(config: try! NimbusConfig(), logger: Logger(label: "t"))

@Suite struct ComputeFilterTests {
    @Test func passesOnlyEnabledAndUpServices() throws {
        let f = try ComputeFilter(context: ctx)
        let spec = Make.spec().build()
        #expect(try f.filter(Make.host("h").build(), spec) == .pass)
        #expect(try f.filter(Make.host("h").disabled("maint").build(), spec) == .reject("service disabled"))
        #expect(try f.filter(Make.host("h").down().build(), spec) == .reject("service down"))
    }

    @Test func pipelineCountsReasons() throws {
        let p = FilterPipeline(filters: [try ComputeFilter(context: ctx)])
        let hosts = [Make.host("a").build(), Make.host("b").down().build(), Make.host("c").disabled().build(),
                     Make.host("d").disabled().build()]
        let (kept, steps) = try p.run(hosts, spec: Make.spec().build())
        #expect(kept.map(\.host) == ["a"])
        #expect(steps.first?.reasons == ["service disabled": 2, "service down": 1])
        #expect(steps.first?.summary == "ComputeFilter kept 1 of 4 hosts, removed 3: service disabled (2), service down (1)")
    }

    /// Reasons carry no per-host value, so hosts rejected for the same cause are one line of the report (they
    /// were "too many instances (7 of 5)", "too many instances (9 of 5)", … one per count).
    @Test func reasonsGroupAcrossHosts() throws {
        let p = FilterPipeline(filters: [
            try NumInstancesFilter(context: PluginContext(config: try NimbusConfig(
                overrides: ["filter_scheduler.max_instances_per_host": "5"]), logger: Logger(label: "t"))),
        ])
        let hosts = [Make.host("a").instances(7).build(), Make.host("b").instances(2).build(),
                     Make.host("c").instances(9).build(), Make.host("d").instances(5).build()]
        let (kept, steps) = try p.run(hosts, spec: Make.spec().build())
        #expect(kept.map(\.host) == ["b"])
        #expect(steps.first?.reasons == ["too many instances": 3])
    }
}

@Suite struct WeigherTests {
    @Test func ramNormalisesAgainstMaxBecauseMinvalIsZero() throws {
        // nova.md §2.3: 1000 and 3000 MB free → 0.333 and 1.0.
        let w = WeighPipeline(weighers: [try RAMWeigher(context: ctx)])
        let out = w.weigh([Make.host("a").ram(free: 1000).build(), Make.host("b").ram(free: 3000).build()],
                          spec: Make.spec().build())
        #expect(out.map(\.host.host) == ["b", "a"])
        #expect(abs(out[1].weight - 1.0 / 3.0) < 1e-9 && out[0].weight == 1.0)
    }

    @Test func equalValuesAllGetOneAndSingleHostsAreNotWeighed() throws {
        let w = WeighPipeline(weighers: [try RAMWeigher(context: ctx)])
        let equal = w.weigh([Make.host("a").ram(free: 2048).build(), Make.host("b").ram(free: 2048).build()],
                            spec: Make.spec().build())
        #expect(equal.map(\.weight) == [1.0, 1.0])
        #expect(w.weigh([Make.host("a").build()], spec: Make.spec().build()).map(\.weight) == [0])
    }

    @Test func negativeMultiplierStacksAndAggregatesOverride() throws {
        let stack = PluginContext(config: try NimbusConfig(overrides: ["filter_scheduler.ram_weight_multiplier": "-1.0"]),
                                  logger: Logger(label: "t"))
        let w = WeighPipeline(weighers: [try RAMWeigher(context: stack)])
        let hosts = [Make.host("a").ram(free: 1000).build(), Make.host("b").ram(free: 3000).build()]
        #expect(w.weigh(hosts, spec: Make.spec().build()).first?.host.host == "a")
        // Per-aggregate override: the minimum of the aggregates' values wins.
        let spread = WeighPipeline(weighers: [try RAMWeigher(context: ctx)])
        let agg = [AggregateInfo(id: 1, name: "x", metadata: ["ram_weight_multiplier": "-2.0"]),
                   AggregateInfo(id: 2, name: "y", metadata: ["ram_weight_multiplier": "5.0"])]
        let withAgg = [Make.host("a").ram(free: 1000).build(),
                       Make.host("b").ram(free: 3000).with { $0.aggregates = agg }.build()]
        let out = spread.weigh(withAgg, spec: Make.spec().build())
        #expect(out.first?.host.host == "a")
        #expect(out.last?.weight == -2.0)
    }

    @Test func cpuWeigherUsesAllocationRatio() throws {
        let w = try CPUWeigher(context: ctx)
        let h = Make.host("a").vcpus(total: 4, used: 6).with { $0.cpuAllocationRatio = 4.0 }.build()
        #expect(w.weigh(h, Make.spec().build()) == 10)
    }
}
