import Foundation

/// A guest NUMA topology request from flavor extra specs / image properties (`hw:numa_nodes`,
/// `hw:numa_cpus.N`, `hw:numa_mem.N`, `hw:cpu_policy`; image `hw_numa_nodes`, `hw_cpu_policy`).
public struct NUMARequest: Sendable, Hashable {
    public struct Cell: Sendable, Hashable {
        public var cpus: Int
        public var memoryMB: Int
    }

    public var cells: [Cell]
    /// `hw:cpu_policy=dedicated`: each vCPU pinned to its own host CPU (no CPU overcommit).
    public var dedicated: Bool

    /// nil when the flavor and image ask for no NUMA placement.
    public init?(flavor: Flavor, imageProperties: [String: String]) {
        let specs = flavor.extraSpecs
        let policy = specs["hw:cpu_policy"] ?? imageProperties["hw_cpu_policy"]
        dedicated = policy == "dedicated"
        let nodes = (specs["hw:numa_nodes"] ?? imageProperties["hw_numa_nodes"]).flatMap { Int($0) }
        guard nodes != nil || dedicated else { return nil }
        let n = max(1, nodes ?? 1)
        cells = (0..<n).map { i in
            // Explicit per-cell sizes win; otherwise split evenly, the remainder going to the first cells.
            let cpus = specs["hw:numa_cpus.\(i)"].map { $0.split(separator: ",").count }
                ?? flavor.vcpus / n + (i < flavor.vcpus % n ? 1 : 0)
            let mem = specs["hw:numa_mem.\(i)"].flatMap { Int($0) }
                ?? flavor.memoryMB / n + (i < flavor.memoryMB % n ? 1 : 0)
            return Cell(cpus: cpus, memoryMB: mem)
        }
    }
}

extension NUMATopology {
    /// Host cell ids for each guest cell (distinct cells), or nil when it does not fit
    /// (`numa_fit_instance_to_host`: tries host cells in order, backtracking).
    public func fit(_ req: NUMARequest, cpuRatio: Double, ramRatio: Double) -> [Int]? {
        guard req.cells.count <= cells.count else { return nil }
        var used = Set<Int>()
        var chosen: [Int] = []
        func place(_ i: Int) -> Bool {
            if i == req.cells.count { return true }
            for (index, cell) in cells.enumerated() where !used.contains(index)
                && Self.fits(req.cells[i], cell, dedicated: req.dedicated, cpuRatio: cpuRatio, ramRatio: ramRatio) {
                used.insert(index)
                chosen.append(index)
                if place(i + 1) { return true }
                used.remove(index)
                chosen.removeLast()
            }
            return false
        }
        return place(0) ? chosen : nil
    }

    static func fits(_ want: NUMARequest.Cell, _ cell: NUMACell, dedicated: Bool, cpuRatio: Double,
                     ramRatio: Double) -> Bool {
        let memOK = Double(cell.memoryUsage + want.memoryMB) <= Double(cell.memoryMB) * ramRatio
        if dedicated { return memOK && cell.freePCPUs - cell.cpuUsage >= want.cpus }
        return memOK && Double(cell.cpuUsage + want.cpus) <= Double(cell.cpus.count - cell.pinnedCPUs.count) * cpuRatio
    }

    /// Charges a fitted request to the chosen cells.
    public mutating func consume(_ req: NUMARequest, cells chosen: [Int]) {
        for (want, index) in zip(req.cells, chosen) {
            cells[index].memoryUsage += want.memoryMB
            if req.dedicated {
                let free = cells[index].cpus.filter { !cells[index].pinnedCPUs.contains($0) }
                cells[index].pinnedCPUs += free.prefix(want.cpus)
            } else {
                cells[index].cpuUsage += want.cpus
            }
        }
    }
}

/// One PCI request: `count` devices matching any of `specs` (`vendor_id`, `product_id`, `device_type`).
public struct PCIRequest: Codable, Sendable, Hashable {
    public var alias: String
    public var count: Int
    public var specs: [[String: String]]

    public init(alias: String, count: Int, specs: [[String: String]]) {
        self.alias = alias
        self.count = count
        self.specs = specs
    }

    func matches(_ pool: PCIPool) -> Bool {
        specs.contains { s in
            (s["vendor_id"].map { $0 == pool.vendorID } ?? true) && (s["product_id"].map { $0 == pool.productID } ?? true)
                && (s["device_type"].map { $0 == pool.deviceType } ?? true)
        }
    }

    /// Pools left after taking every request, or nil when they cannot all be satisfied (`pci_stats.support_requests`).
    public static func consume(_ requests: [PCIRequest], from pools: [PCIPool]) -> [PCIPool]? {
        var left = pools
        for r in requests {
            var need = r.count
            for i in left.indices where need > 0 && r.matches(left[i]) {
                let take = min(need, left[i].count)
                left[i].count -= take
                need -= take
            }
            if need > 0 { return nil }
        }
        return left
    }

    /// Parses `pci_passthrough:alias` (`a1:2,a2`) against the `[pci] alias` definitions (name → specs).
    /// Unknown aliases are an error Nova raises at the API; here they yield a request nothing satisfies.
    public static func parse(_ extraSpec: String?, aliases: [String: [[String: String]]]) -> [PCIRequest]? {
        guard let extraSpec, !extraSpec.isEmpty else { return nil }
        return extraSpec.split(separator: ",").map { item in
            let parts = item.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            let name = parts.first ?? ""
            let count = parts.count > 1 ? Int(parts[1]) ?? 1 : 1
            return PCIRequest(alias: name, count: count, specs: aliases[name] ?? [["vendor_id": "unknown-alias:\(name)"]])
        }
    }
}
