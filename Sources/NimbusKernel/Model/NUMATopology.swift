/// A host NUMA cell as a driver reports it (Nova's NUMACell, the parts the filter uses).
public struct NUMACell: Codable, Sendable, Hashable {
    public var id: Int
    /// Host CPU ids in this cell.
    public var cpus: [Int]
    public var memoryMB: Int
    /// vCPUs of unpinned guests placed here (counts against `cpus × cpu_allocation_ratio`).
    public var cpuUsage: Int
    public var memoryUsage: Int
    /// Host CPUs dedicated to pinned guests.
    public var pinnedCPUs: [Int]

    public init(id: Int, cpus: [Int], memoryMB: Int, cpuUsage: Int = 0, memoryUsage: Int = 0, pinnedCPUs: [Int] = []) {
        self.id = id
        self.cpus = cpus
        self.memoryMB = memoryMB
        self.cpuUsage = cpuUsage
        self.memoryUsage = memoryUsage
        self.pinnedCPUs = pinnedCPUs
    }

    public var freePCPUs: Int { cpus.count - pinnedCPUs.count }
}

/// A host's NUMA topology.
public struct NUMATopology: Codable, Sendable, Hashable {
    public var cells: [NUMACell]

    public init(cells: [NUMACell]) { self.cells = cells }

    /// `cells` cells splitting `cpus` CPUs and `memoryMB` evenly (what the fake driver reports).
    public static func even(cells: Int, cpus: Int, memoryMB: Int) -> NUMATopology {
        let n = max(1, cells)
        let per = cpus / n
        return NUMATopology(cells: (0..<n).map { i in
            NUMACell(id: i, cpus: Array(i * per..<(i + 1) * per), memoryMB: memoryMB / n)
        })
    }
}

/// A pool of identical PCI devices on a host (Nova's PciDevicePool): the inventory PciPassthroughFilter checks.
public struct PCIPool: Codable, Sendable, Hashable {
    public var vendorID: String
    public var productID: String
    public var count: Int
    public var numaNode: Int?
    /// `type-PCI`, `type-PF` or `type-VF`.
    public var deviceType: String

    public init(vendorID: String, productID: String, count: Int, numaNode: Int? = nil, deviceType: String = "type-PCI") {
        self.vendorID = vendorID
        self.productID = productID
        self.count = count
        self.numaNode = numaNode
        self.deviceType = deviceType
    }
}
