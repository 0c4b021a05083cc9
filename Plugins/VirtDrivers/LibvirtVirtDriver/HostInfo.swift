import CLibvirt
import Foundation
import NimbusKernel

/// What the host offers (virNodeGetInfo, hostname, hypervisor type and version, disk of instances_path).
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
        var fs = statvfs()
        let diskGB = statvfs(diskPath, &fs) == 0 ? Int(UInt64(fs.f_blocks) * UInt64(fs.f_frsize) >> 30) : 0
        let model = String(cString: withUnsafeBytes(of: node.model) { Array($0.bindMemory(to: CChar.self)) + [0] })
        return HostResources(
            hypervisorHostname: hostname, vcpus: Int(node.cpus), memoryMB: Int(memoryKiB / 1024), localGB: diskGB,
            hypervisorType: type, hypervisorVersion: Int(version), hostIP: "127.0.0.1",
            cpuInfo: #"{"arch": "x86_64", "model": "\#(model)", "topology": {"sockets": \#(node.sockets), "cores": \#(node.cores), "threads": \#(node.threads)}}"#,
            supportedInstances: [["x86_64", type.lowercased(), "hvm"]])
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
