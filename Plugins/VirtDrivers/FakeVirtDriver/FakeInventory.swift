import Foundation
import NimbusKernel

/// The optional NUMA / PCI / metrics inventory a fake host reports, from `[fake]` (or `[fake:<host>]`)
/// `numa_nodes`, `pci_devices` and `metrics`, so the NUMA, PCI and metrics filters have something to check.
enum FakeInventory {
    static func apply(to r: inout HostResources, config c: NimbusConfig, host: String) throws {
        let numa = try FakeOptions.numaNodes.read(c, instance: host)
        if numa > 0 { r.numaTopology = .even(cells: numa, cpus: r.vcpus, memoryMB: r.memoryMB) }
        let pci = FakeOptions.pciDevices.read(c, instance: host) ?? []
        if !pci.isEmpty {
            r.pciPools = try pci.map { item in
                let p = item.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
                guard p.count >= 3, let count = Int(p[2]) else {
                    throw ConfigError.invalidValue(source: c.source("fake", "pci_devices"), section: "fake",
                                                   option: "pci_devices", value: item,
                                                   expected: "vendor_id:product_id:count[:numa_node]")
                }
                return PCIPool(vendorID: p[0], productID: p[1], count: count, numaNode: p.count > 3 ? Int(p[3]) : nil)
            }
        }
        let metrics = FakeOptions.metrics.read(c, instance: host) ?? []
        if !metrics.isEmpty {
            var m: [String: Double] = [:]
            for item in metrics {
                let p = item.split(separator: "=").map { $0.trimmingCharacters(in: .whitespaces) }
                if p.count == 2, let v = Double(p[1]) { m[p[0]] = v }
            }
            r.metrics = m
        }
    }
}
