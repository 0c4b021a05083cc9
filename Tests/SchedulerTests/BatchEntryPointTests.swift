import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusScheduler
import StandardFilters
import StandardWeighers
import Testing

/// The standard filters and weighers override `filterAll` / `weighAll` (fields read in place, early outs when the
/// request asks nothing of a host); they must agree with their per-host `filter` / `weigh`.
@Suite struct BatchEntryPointTests {
    let hosts: [HostState] = [
        Make.host("a").ram(free: 3000).disk(freeMB: 5000).vcpus(total: 4, used: 6).ioOps(3).instances(7)
            .hypervisor(type: "qemu", version: 6_001_000).failedBuilds(2).build(),
        Make.host("b").disabled("maintenance").with { $0.pciPools = [PCIPool(vendorID: "v", productID: "p", count: 3)] }
            .build(),
        Make.host("c").down().with { $0.supportedInstances = [["x86_64", "qemu", "hvm"]] }.build(),
        Make.host("d").vcpus(total: 64, used: 1).with { $0.cpuAllocationRatio = 2 }.build(),
    ]

    var specs: [RequestSpec] {
        let members = [UUID(): "a", UUID(): "a", UUID(): "d"]
        return [
            Make.spec().build(),
            Make.spec(Make.flavor(extraSpecs: ["capabilities:hypervisor_type": "qemu", "vcpus_total": ">= 8"])).build(),
            Make.spec().image("i", properties: ["hw_architecture": "x86_64", "img_hv_type": "qemu"]).build(),
        ] + [ServerGroupPolicy.affinity, .antiAffinity, .softAffinity, .softAntiAffinity].map { p in
            Make.spec().with { $0.instanceGroup = InstanceGroupInfo(uuid: UUID(), policy: p, memberHosts: members) }.build()
        }
    }

    @Test func filtersAgreeWithTheirPerHostVerdicts() throws {
        let filters: [any HostFilter] = [
            try ComputeFilter(context: context()), try ComputeCapabilitiesFilter(context: context()),
            try ImagePropertiesFilter(context: context()), try ServerGroupAffinityFilter(context: context()),
            try ServerGroupAntiAffinityFilter(context: context()),
        ]
        for f in filters {
            for spec in specs {
                var kept: [Int] = []
                var reasons: [String: Int] = [:]
                try hosts.withUnsafeBufferPointer { try f.filterAll($0, Array(hosts.indices), spec, kept: &kept, reasons: &reasons) }
                var wantKept: [Int] = []
                var wantReasons: [String: Int] = [:]
                for (i, h) in hosts.enumerated() {
                    switch try f.filter(h, spec) {
                    case .pass: wantKept.append(i)
                    case .reject(let r): wantReasons[r, default: 0] += 1
                    }
                }
                #expect(kept == wantKept && reasons == wantReasons, "\(type(of: f).name)")
            }
        }
    }

    @Test func weighersAgreeWithTheirPerHostValues() throws {
        let weighers: [any HostWeigher] = [
            try RAMWeigher(context: context()), try DiskWeigher(context: context()), try CPUWeigher(context: context()),
            try IoOpsWeigher(context: context()), try NumInstancesWeigher(context: context()),
            try HypervisorVersionWeigher(context: context()), try BuildFailureWeigher(context: context()),
            try CrossCellWeigher(context: context()), try PCIWeigher(context: context()),
            try ServerGroupSoftAffinityWeigher(context: context()),
            try ServerGroupSoftAntiAffinityWeigher(context: context()),
        ]
        for w in weighers {
            for spec in specs {
                var raw = [Double](repeating: -1, count: hosts.count)
                hosts.withUnsafeBufferPointer { w.weighAll($0, spec, into: &raw) }
                #expect(raw == hosts.map { w.weigh($0, spec) }, "\(type(of: w).name)")
            }
        }
    }

    @Test func topMatchesTheFullRanking() {
        let totals: [Double] = [3, 1, 3, 7, 0, 7, 2, 3, 1, 5, 5, 0, 3, 2, 9, 1, 3, 3, 4, 4, 6, 0, 1]
        for k in 1...totals.count {
            #expect(WeighPipeline.top(totals, k) == Array(WeighPipeline.ranking(totals).prefix(k)))
        }
        let big = (0..<500).map { Double(($0 * 7919) % 37) }
        #expect(WeighPipeline.top(big, 11) == Array(WeighPipeline.ranking(big).prefix(11)))
    }
}
