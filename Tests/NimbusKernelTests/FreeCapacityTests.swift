import Foundation
import NimbusKernel
import Testing

/// The one capacity formula, `(total − reserved) × allocation_ratio − used`, on a table of cases.
@Suite struct FreeCapacityTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var total: Int, reserved: Int, ratio: Double, used: Int
        var free: Double
        var description: String { name }
    }

    static let cases: [Case] = [
        .init(name: "nothing reserved or used", total: 8, reserved: 0, ratio: 1, used: 0, free: 8),
        .init(name: "overcommit", total: 8, reserved: 0, ratio: 4, used: 3, free: 29),
        .init(name: "reserved before the ratio", total: 8, reserved: 2, ratio: 4, used: 0, free: 24),
        .init(name: "reserved and used", total: 8192, reserved: 512, ratio: 1.5, used: 1000, free: 10520),
        .init(name: "fractional ratio", total: 3, reserved: 0, ratio: 0.5, used: 1, free: 0.5),
        .init(name: "exactly full", total: 4, reserved: 1, ratio: 2, used: 6, free: 0),
        .init(name: "over-used (ratio lowered)", total: 4, reserved: 0, ratio: 1, used: 6, free: -2),
        .init(name: "reserved above total", total: 2, reserved: 4, ratio: 1, used: 0, free: -2),
        .init(name: "no trap on extreme values", total: Int.max, reserved: Int.min, ratio: 1, used: 0,
              free: Double(Int.max) - Double(Int.min)),
    ]

    @Test(arguments: cases) func formula(_ c: Case) {
        #expect(FreeCapacity.free(total: c.total, reserved: c.reserved, ratio: c.ratio, used: c.used) == c.free)
    }

    /// Each class takes its own reserved amount and ratio (the alternates check once ignored reserved vCPUs and
    /// the RAM/disk ratios).
    @Test func perClassReservedAndRatios() {
        let free = FreeCapacity(total: Resources(vcpus: 8, memoryMB: 4096, diskGB: 100),
                                reserved: Resources(vcpus: 2, memoryMB: 512, diskGB: 10),
                                ratios: AllocationRatios(cpu: 4, ram: 1.5, disk: 0.5),
                                used: Resources(vcpus: 20, memoryMB: 5000, diskGB: 40))
        #expect(free == FreeCapacity(vcpus: 4, memoryMB: 376, diskGB: 5))
        #expect(free.fits(Resources(vcpus: 4, memoryMB: 376, diskGB: 5)))
        #expect(!free.fits(Resources(vcpus: 5, memoryMB: 1, diskGB: 1)))
        #expect(!free.fits(Resources(vcpus: 1, memoryMB: 377, diskGB: 1)))
        #expect(!free.fits(Resources(vcpus: 1, memoryMB: 1, diskGB: 6)))
        var left = free
        left.take(Resources(vcpus: 4, memoryMB: 300, diskGB: 5))
        #expect(left == FreeCapacity(vcpus: 0, memoryMB: 76, diskGB: 0))
        #expect(!left.fits(Resources(vcpus: 1, memoryMB: 1, diskGB: 0)))
    }

    @Test func computeNodeUsesTheFormula() {
        let node = ComputeNodeRecord(
            host: "h", resources: HostResources(hypervisorHostname: "h", vcpus: 4, memoryMB: 2048, localGB: 20),
            reserved: Resources(vcpus: 1, memoryMB: 0, diskGB: 0), cpuAllocationRatio: 1,
            used: Resources(vcpus: 2, memoryMB: 0, diskGB: 0))
        #expect(node.free.vcpus == 1)
        #expect(node.fits(Resources(vcpus: 1, memoryMB: 2048, diskGB: 20)))
        #expect(!node.fits(Resources(vcpus: 2, memoryMB: 1, diskGB: 1)))
    }

    /// The SQL rendering names the columns in the same order of operations as the Swift form.
    @Test func sqlForm() {
        #expect(FreeCapacity.sql(total: "t", reserved: "r", ratio: "x", used: "u") == "((t - r) * x - u)")
    }

    /// A multi-create's consumption reduces the claim's free capacity by what Placement allocates (swap included).
    @Test func hostStateConsumeTakesFromFree() {
        var h = HostState(host: "h", freeRAMMB: 4096, freeDiskMB: 10 * 1024, totalUsableRAMMB: 4096,
                          totalUsableDiskGB: 10, vcpusTotal: 2, vcpusUsed: 0, cpuAllocationRatio: 1,
                          free: FreeCapacity(vcpus: 1, memoryMB: 4096, diskGB: 10))
        let copy = h
        h.consume(Flavor(id: "f", name: "f", memoryMB: 1024, vcpus: 1, rootGB: 2, swapMB: 1024))
        #expect(h.free == FreeCapacity(vcpus: 0, memoryMB: 3072, diskGB: 7))
        #expect(copy.free == FreeCapacity(vcpus: 1, memoryMB: 4096, diskGB: 10))  // a value: the copy is unchanged
        #expect(copy != h)
    }
}
