import CLibvirt
import Foundation
import FoundationXML
import NimbusKernel

/// What the host offers: virNodeGetInfo (CPUs), the memory stats (all NUMA cells), free memory, the
/// capabilities XML (CPU model, vendor, topology, supported guests), hypervisor type/version/hostname, and
/// the disk of instances_path.
enum HostInfo {
    /// Runs on the libvirt queue.
    static func read(_ conn: OpaquePointer, computeHost: String, diskPath: String, test: Bool) throws -> HostResources {
        var node = virNodeInfo()
        try LibvirtDriver.check(virNodeGetInfo(conn, &node), "virNodeGetInfo")
        var version: UInt = 0
        try LibvirtDriver.check(virConnectGetVersion(conn, &version), "virConnectGetVersion")
        let type = virConnectGetType(conn).map { String(cString: $0) } ?? "QEMU"
        var hostname = computeHost
        // The test driver reports a fixed name; several test computes in one process need distinct nodes.
        if !test, let h = virConnectGetHostname(conn) {
            hostname = String(cString: h)
            free(h)
        }
        // virNodeGetInfo's memory can be one NUMA cell's; the memory stats' "total" covers all cells.
        let memoryKiB = totalMemoryKiB(conn) ?? UInt64(node.memory)
        let freeBytes = virNodeGetFreeMemory(conn)  // 0 on error
        if freeBytes == 0 { virResetLastError() }
        var fs = statvfs()
        // Parenthesised: in Swift `>>` binds tighter than `*`.
        let diskGB = statvfs(diskPath, &fs) == 0 ? Int((UInt64(fs.f_blocks) * UInt64(fs.f_frsize)) >> 30) : 0
        let arch = String(cString: withUnsafeBytes(of: node.model) { Array($0.bindMemory(to: CChar.self)) + [0] })
        var caps = Capabilities(arch: arch, sockets: Int(node.sockets), cores: Int(node.cores), threads: Int(node.threads))
        if let raw = virConnectGetCapabilities(conn) {
            caps.parse(String(cString: raw))
            free(raw)
        } else {
            virResetLastError()
        }
        return HostResources(
            hypervisorHostname: hostname, vcpus: Int(node.cpus), memoryMB: Int(memoryKiB / 1024), localGB: diskGB,
            hypervisorType: type, hypervisorVersion: Int(version), hostIP: "127.0.0.1", cpuInfo: caps.cpuInfoJSON,
            supportedInstances: caps.supportedInstances.isEmpty ? [[arch, type.lowercased(), "hvm"]] : caps.supportedInstances,
            metrics: freeBytes > 0 ? ["memory.free_mb": Double(freeBytes >> 20)] : nil)
    }

    /// Total memory across all NUMA cells in KiB, or nil where the hypervisor does not report it.
    static func totalMemoryKiB(_ conn: OpaquePointer) -> UInt64? {
        let allCells = Int32(VIR_NODE_MEMORY_STATS_ALL_CELLS.rawValue)
        var n: Int32 = 0
        guard virNodeGetMemoryStats(conn, allCells, nil, &n, 0) == 0, n > 0 else {
            virResetLastError()
            return nil
        }
        var stats = [virNodeMemoryStats](repeating: virNodeMemoryStats(), count: Int(n))
        guard virNodeGetMemoryStats(conn, allCells, &stats, &n, 0) == 0 else {
            virResetLastError()
            return nil
        }
        for stat in stats.prefix(Int(n)) {
            let name = withUnsafeBytes(of: stat.field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "total" { return stat.value }
        }
        return nil
    }
}

/// The parts of libvirt's capabilities XML Nova reports: the host CPU (Nova's `cpu_info` JSON) and the
/// `[arch, hypervisor type, vm mode]` triples guests can use.
struct Capabilities: Sendable {
    var arch: String
    var model: String?
    var vendor: String?
    var sockets: Int
    var cores: Int
    var threads: Int
    var features: [String] = []
    var supportedInstances: [[String]] = []

    mutating func parse(_ xml: String) {
        guard let doc = try? XMLDocument(xmlString: xml) else { return }
        func values(_ path: String) -> [String] {
            ((try? doc.nodes(forXPath: path)) ?? []).compactMap(\.stringValue)
        }
        if let a = values("/capabilities/host/cpu/arch").first { arch = a }
        model = values("/capabilities/host/cpu/model").first
        vendor = values("/capabilities/host/cpu/vendor").first
        features = values("/capabilities/host/cpu/feature/@name")
        if let s = values("/capabilities/host/cpu/topology/@sockets").first.flatMap(Int.init),
           let c = values("/capabilities/host/cpu/topology/@cores").first.flatMap(Int.init),
           let t = values("/capabilities/host/cpu/topology/@threads").first.flatMap(Int.init)
        {
            (sockets, cores, threads) = (s, c, t)
        }
        var seen = Set<[String]>()
        for guest in (try? doc.nodes(forXPath: "/capabilities/guest")) ?? [] {
            guard let mode = (try? guest.nodes(forXPath: "os_type"))?.first?.stringValue else { continue }
            for archNode in (try? guest.nodes(forXPath: "arch")) ?? [] {
                guard let name = (try? archNode.nodes(forXPath: "@name"))?.first?.stringValue else { continue }
                for domain in (try? archNode.nodes(forXPath: "domain/@type")) ?? [] {
                    guard let hv = domain.stringValue else { continue }
                    let triple = [name, hv, mode]
                    if seen.insert(triple).inserted { supportedInstances.append(triple) }
                }
            }
        }
    }

    /// Nova's `cpu_info`: arch, model, vendor, topology, features, as JSON (serialised, so every value is escaped).
    var cpuInfoJSON: String {
        var info: [String: Any] = [
            "arch": arch, "features": features,
            "topology": ["sockets": sockets, "cores": cores, "threads": threads],
        ]
        if let model { info["model"] = model }
        if let vendor { info["vendor"] = vendor }
        guard let data = try? JSONSerialization.data(withJSONObject: info, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
