import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusScheduler
import StandardFilters
import StandardWeighers
import Synchronization
import Testing

/// `applies(to:)`: a plugin that says a request gives it nothing to check is skipped per host, and saying so
/// never changes an answer (the per-host check would have passed every host, or weighed them all the same).
@Suite struct AppliesToTests {
    /// Counts its per-host calls; applies only when the request carries the hint `count`.
    struct CountingFilter: HostFilter {
        static let name = "CountingFilter"
        final class Calls: Sendable { let count = Mutex(0) }
        let calls = Calls()
        init(context: PluginContext) throws {}
        func applies(to spec: RequestSpec) -> Bool { spec.schedulerHints["count"] != nil }
        func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
            calls.count.withLock { $0 += 1 }
            return host.host == "h1" ? .reject("counted out") : .pass
        }
    }

    static let hosts = (0..<5).map { Make.host("h\($0)").ram(free: 1000 * ($0 + 1)).build() }

    @Test func aFilterThatDoesNotApplyIsNotCalledAndPassesEveryHost() throws {
        let filter = try CountingFilter(context: context())
        let pipeline = FilterPipeline(filters: [filter])
        let (kept, steps) = try pipeline.run(Self.hosts, spec: Make.spec().build())
        #expect(kept.count == 5 && filter.calls.count.withLock { $0 } == 0)
        #expect(steps.map(\.name) == ["CountingFilter"] && steps[0].hostsOut == 5)
        let (counted, _) = try pipeline.run(Self.hosts, spec: Make.spec().hint("count", "1").build())
        #expect(counted.map(\.host) == ["h0", "h2", "h3", "h4"] && filter.calls.count.withLock { $0 } == 5)
    }

    /// Hosts that differ in everything the standard plugins read.
    static let varied: [HostState] = [
        Make.host("a").ram(free: 1000).vcpus(total: 4, used: 1).failedBuilds(1).metrics(["cpu.percent": 0.5]).build(),
        Make.host("b").ram(free: 9000).vcpus(total: 64).hypervisor(type: "QEMU", version: 9_000_000)
            .with { $0.supportedInstances = [["x86_64", "kvm", "hvm"]]; $0.instanceImageProperties = [["os_distro": "debian"]] }
            .build(),
        Make.host("c").ram(free: 4000).aggregate(agg(["foo": "bar"])).with { $0.cpuInfo = #"{"arch":"x86_64"}"# }.build(),
    ]

    static let specs: [RequestSpec] = {
        let group = { (p: ServerGroupPolicy) in
            InstanceGroupInfo(uuid: UUID(), policy: p, memberHosts: [UUID(): "a", UUID(): "b", UUID(): "b"])
        }
        var specs = [Make.spec().build(), Make.spec().image("img", properties: ["os_distro": "debian"]).build(),
                     Make.spec().image("img", properties: ["hw_architecture": "aarch64"]).build(),
                     Make.spec(Make.flavor(extraSpecs: ["capabilities:cpu_info:arch": "x86_64"])).build(),
                     Make.spec(Make.flavor(extraSpecs: ["hw:cpu_policy": "dedicated"])).build()]
        for p in [ServerGroupPolicy.affinity, .antiAffinity, .softAffinity, .softAntiAffinity] {
            specs.append(Make.spec().with { $0.instanceGroup = group(p) }.build())
        }
        return specs
    }()

    @Test func standardFiltersThatDoNotApplyPassEveryHost() throws {
        let filters: [any HostFilter] = [
            try ComputeCapabilitiesFilter(context: context()), try ImagePropertiesFilter(context: context()),
            try ServerGroupAffinityFilter(context: context()), try ServerGroupAntiAffinityFilter(context: context()),
        ]
        var applied = 0
        for f in filters {
            for spec in Self.specs {
                if f.applies(to: spec) { applied += 1; continue }
                for h in Self.varied { #expect(try f.filter(h, spec).passed, "\(type(of: f).name) on \(h.host)") }
            }
        }
        #expect(applied >= filters.count)  // every filter applies to some request above
    }

    @Test func standardWeighersThatDoNotApplyWeighEveryHostTheSame() throws {
        let weighers: [any HostWeigher] = [
            try ImagePropertiesWeigher(context: context()), try MetricsWeigher(context: context()),
            try CrossCellWeigher(context: context()), try ServerGroupSoftAffinityWeigher(context: context()),
            try ServerGroupSoftAntiAffinityWeigher(context: context()),
        ]
        for w in weighers {
            for spec in Self.specs where !w.applies(to: spec) {
                #expect(Set(Self.varied.map { w.weigh($0, spec) }).count == 1, "\(type(of: w).name)")
            }
        }
        let metrics = try MetricsWeigher(context: context(["metrics.weight_setting": "cpu.percent=1"]))
        #expect(metrics.applies(to: Make.spec().build()))
    }
}

/// `WeighPipeline.totals` against Nova's formula written out per host and weigher: the shared multiplier of hosts
/// outside aggregates and the per-host overrides of those inside must give the same weights, wherever the
/// aggregated hosts sit in the list.
@Suite struct WeighTotalsTests {
    @Test(arguments: [[Int](), [0], [2], [0, 1, 2, 3], [1, 3], [0, 1, 2, 3, 4, 5]])
    func totalsMatchThePerHostFormula(aggregatedAt: [Int]) throws {
        let weighers: [any HostWeigher] = [try RAMWeigher(context: context()), try BuildFailureWeigher(context: context()),
                                           try CPUWeigher(context: context())]
        let hosts = (0..<6).map { i in
            var b = Make.host("h\(i)").ram(free: 1000 * (i * 7 % 6 + 1)).failedBuilds(i % 3).vcpus(total: 8, used: i)
            if aggregatedAt.contains(i) {
                b = b.aggregate(agg(["ram_weight_multiplier": "\(-1.5 * Double(i + 1))",
                                     "build_failure_weight_multiplier": "\(i)"]))
            }
            return b.build()
        }
        let pipeline = WeighPipeline(weighers: weighers)
        let spec = Make.spec().build()
        let got = pipeline.totals(pipeline.raw(hosts, spec: spec), hosts)
        var want = [Double](repeating: 0, count: hosts.count)
        for w in weighers {
            let values = hosts.map { WeighTotalsTests.clamp(w.weigh($0, spec), w.minval, w.maxval) }
            let lo = w.minval ?? values.min()!, hi = w.maxval ?? values.max()!
            guard hi != lo else { continue }
            for i in hosts.indices { want[i] += w.weightMultiplier(hosts[i]) * (values[i] - lo) / (hi - lo) }
        }
        #expect(got == want)
    }

    static func clamp(_ v: Double, _ lo: Double?, _ hi: Double?) -> Double { min(max(v, lo ?? -.infinity), hi ?? .infinity) }
}
