import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusScheduler
import StandardWeighers
import Testing

@Suite struct WeigherRawValueTests {
    let spec = Make.spec().build()

    @Test func resourceWeighersAndTheirDefaults() throws {
        let h = Make.host("h").ram(free: 3000).disk(freeMB: 5000).vcpus(total: 4, used: 6).ioOps(3).instances(7)
            .hypervisor(type: "fake", version: 6_001_000).failedBuilds(2).build()
        #expect(try RAMWeigher(context: context()).weigh(h, spec) == 3000)
        #expect(try DiskWeigher(context: context()).weigh(h, spec) == 5000)
        #expect(try CPUWeigher(context: context()).weigh(h, spec) == 10)  // 4 × 4.0 − 6
        #expect(try IoOpsWeigher(context: context()).weigh(h, spec) == 3)
        #expect(try NumInstancesWeigher(context: context()).weigh(h, spec) == 7)
        #expect(try HypervisorVersionWeigher(context: context()).weigh(h, spec) == 6_001_000)
        #expect(try BuildFailureWeigher(context: context()).weigh(h, spec) == 2)
        #expect(try CrossCellWeigher(context: context()).weigh(h, spec) == 0)
        let defaults: [(any HostWeigher, Double, Double?)] = [
            (try RAMWeigher(context: context()), 1.0, 0), (try CPUWeigher(context: context()), 1.0, 0),
            (try DiskWeigher(context: context()), 1.0, 0), (try IoOpsWeigher(context: context()), -1.0, 0),
            (try NumInstancesWeigher(context: context()), 0.0, nil),
            (try HypervisorVersionWeigher(context: context()), 1.0, nil),
            (try MetricsWeigher(context: context()), 1.0, nil), (try PCIWeigher(context: context()), 1.0, nil),
            (try ServerGroupSoftAffinityWeigher(context: context()), 1.0, nil),
            (try ServerGroupSoftAntiAffinityWeigher(context: context()), 1.0, nil),
            (try BuildFailureWeigher(context: context()), 1_000_000.0, nil),
            (try CrossCellWeigher(context: context()), 1_000_000.0, nil),
            (try ImagePropertiesWeigher(context: context()), 0.0, nil),
        ]
        for (w, multiplier, minval) in defaults {
            #expect(w.multiplier == multiplier && w.minval == minval, "\(type(of: w).name)")
        }
        // BuildFailureWeigher negates its multiplier.
        #expect(try BuildFailureWeigher(context: context()).weightMultiplier(h) == -1_000_000.0)
    }

    static let pci: [(Int, Double)] = [(0, 100), (1, 99), (3, 97), (99, 1), (500, 1)]

    @Test(arguments: pci) func pciWeigherPrefersFewerDevices(_ free: Int, _ raw: Double) throws {
        let h = Make.host("h").with { $0.pciPools = [PCIPool(vendorID: "v", productID: "p", count: free)] }.build()
        #expect(try PCIWeigher(context: context()).weigh(h, spec) == raw)
    }

    @Test func nonNegativeMultipliersRejectNegatives() {
        #expect(throws: ConfigError.self) {
            try PCIWeigher(context: context(["filter_scheduler.pci_weight_multiplier": "-1"]))
        }
        #expect(throws: ConfigError.self) {
            try ServerGroupSoftAffinityWeigher(context: context(["filter_scheduler.soft_affinity_weight_multiplier": "-2"]))
        }
    }

    @Test func metricsWeigher() throws {
        let w = try MetricsWeigher(context: context(["metrics.weight_setting": "cpu=1.0, mem=-2.0"]))
        #expect(w.weigh(Make.host("h").metrics(["cpu": 10, "mem": 1]).build(), spec) == 8)
        #expect(w.weigh(Make.host("h").metrics(["cpu": 10]).build(), spec) == -10000)
        #expect(try MetricsWeigher(context: context()).weigh(Make.host("h").build(), spec) == 0)
    }

    @Test func softAffinityWeighersCountGroupMembers() throws {
        func spec(_ p: ServerGroupPolicy) -> RequestSpec {
            Make.spec().with { $0.instanceGroup = InstanceGroupInfo(uuid: UUID(), policy: p,
                                                                     memberHosts: [UUID(): "h1", UUID(): "h1"]) }.build()
        }
        let h1 = Make.host("h1").build()
        let aff = try ServerGroupSoftAffinityWeigher(context: context())
        let anti = try ServerGroupSoftAntiAffinityWeigher(context: context())
        #expect(aff.weigh(h1, spec(.softAffinity)) == 2 && aff.weigh(h1, spec(.softAntiAffinity)) == 0)
        #expect(anti.weigh(h1, spec(.softAntiAffinity)) == -2 && anti.weigh(Make.host("h2").build(), spec(.softAntiAffinity)) == 0)
    }

    @Test func imagePropertiesWeigher() throws {
        let h = Make.host("h").with { $0.instanceImageProperties = [["os_distro": "ubuntu", "hw_machine_type": "q35"],
                                                                    ["os_distro": "ubuntu"]] }.build()
        let s = Make.spec().image("i", properties: ["os_distro": "ubuntu", "hw_machine_type": "q35"]).build()
        #expect(try ImagePropertiesWeigher(context: context()).weigh(h, s) == 3)
        let weighted = try ImagePropertiesWeigher(context: context(["filter_scheduler.image_props_weight_setting": "os_distro=2.5"]))
        #expect(weighted.weigh(h, s) == 5)
    }
}

/// nova.md §2.3 "Exact math".
@Suite struct WeighPipelineMathTests {
    @Test func normalisationExamples() throws {
        let w = WeighPipeline(weighers: [try RAMWeigher(context: context())])
        let out = w.weigh([Make.host("a").ram(free: 1000).build(), Make.host("b").ram(free: 3000).build()],
                          spec: Make.spec().build())
        #expect(out.map(\.host.host) == ["b", "a"])
        #expect(abs(out[1].weight - 1.0 / 3.0) < 1e-9 && out[0].weight == 1.0)
        let equal = w.weigh([Make.host("a").ram(free: 2048).build(), Make.host("b").ram(free: 2048).build()],
                            spec: Make.spec().build())
        #expect(equal.map(\.weight) == [1.0, 1.0])
    }

    @Test func withoutMinvalEqualValuesAreZeroAndRangeIsMinToMax() throws {
        let w = WeighPipeline(weighers: [try HypervisorVersionWeigher(context: context())])
        let hosts = [1000, 2000, 3000].enumerated().map { Make.host("h\($0)").hypervisor(type: "fake", version: $1).build() }
        #expect(w.weigh(hosts, spec: Make.spec().build()).map(\.weight) == [1.0, 0.5, 0.0])
        let same = [Make.host("a").build(), Make.host("b").build()]
        #expect(w.weigh(same, spec: Make.spec().build()).map(\.weight) == [0, 0])
    }

    @Test func negativeFreeRAMIsClampedToMinval() throws {
        let w = WeighPipeline(weighers: [try RAMWeigher(context: context())])
        let out = w.weigh([Make.host("a").ram(free: -500).build(), Make.host("b").ram(free: 1000).build()],
                          spec: Make.spec().build())
        #expect(out.map(\.weight) == [1.0, 0.0])
    }

    @Test func buildFailuresDominateAndAggregateOverrideIsNegatedToo() throws {
        let w = WeighPipeline(weighers: [try RAMWeigher(context: context()), try BuildFailureWeigher(context: context())])
        let out = w.weigh([Make.host("big").ram(free: 8000).failedBuilds(2).build(), Make.host("small").ram(free: 1000).build()],
                          spec: Make.spec().build())
        #expect(out.map(\.host.host) == ["small", "big"])
        #expect(out.last?.weight == 1.0 - 1_000_000.0)
        let agg = AggregateInfo(id: 1, name: "x", metadata: ["build_failure_weight_multiplier": "10"])
        #expect(try BuildFailureWeigher(context: context()).weightMultiplier(Make.host("h").aggregate(agg).build()) == -10)
    }

    @Test func ioOpsPrefersIdleHostsByDefault() throws {
        let w = WeighPipeline(weighers: [try IoOpsWeigher(context: context())])
        let out = w.weigh([Make.host("busy").ioOps(4).build(), Make.host("idle").build()], spec: Make.spec().build())
        #expect(out.map(\.host.host) == ["idle", "busy"] && out.map(\.weight) == [0, -1])
    }

    @Test func aggregateOverrideMinimumWinsAndUnparsableFallsBack() throws {
        let w = try RAMWeigher(context: context())
        let two = Make.host("h").with { $0.aggregates = [agg(["ram_weight_multiplier": "-2.0"]),
                                                         agg(["ram_weight_multiplier": "5.0"], id: 2)] }.build()
        #expect(w.weightMultiplier(two) == -2.0)
        #expect(w.weightMultiplier(Make.host("h").aggregate(agg(["ram_weight_multiplier": "lots"])).build()) == 1.0)
    }
}
