import Foundation
import NimbusKernel

/// HostState attributes by Nova's names, for filters that address them by string
/// (ComputeCapabilitiesFilter scopes, JsonFilter `$variables`).
enum HostAttributes {
    static func value(_ host: HostState, _ name: String) -> Any? {
        switch name {
        case "host": host.host
        case "nodename", "hypervisor_hostname": host.nodename
        case "uuid": host.uuid.uuidString.lowercased()
        case "free_ram_mb": host.freeRAMMB
        case "free_disk_mb": host.freeDiskMB
        case "total_usable_ram_mb": host.totalUsableRAMMB
        case "total_usable_disk_gb": host.totalUsableDiskGB
        case "disk_mb_used": host.totalUsableDiskGB * 1024 - host.freeDiskMB
        case "vcpus_total": host.vcpusTotal
        case "vcpus_used": host.vcpusUsed
        case "num_instances": host.numInstances
        case "num_io_ops": host.numIOOps
        case "failed_builds": host.failedBuilds
        case "cpu_allocation_ratio": host.cpuAllocationRatio
        case "ram_allocation_ratio": host.ramAllocationRatio
        case "disk_allocation_ratio": host.diskAllocationRatio
        case "host_ip": host.hostIP
        case "hypervisor_type": host.hypervisorType
        case "hypervisor_version": host.hypervisorVersion
        case "cpu_info": host.cpuInfo
        case "supported_instances": host.supportedInstances
        case "metrics": host.metrics
        default: nil
        }
    }

    /// Follows a scope path (`cpu_info:features`), parsing JSON strings on the way, as Nova's `_get_capabilities`.
    static func lookup(_ host: HostState, _ path: [String]) -> Any? {
        guard let first = path.first else { return nil }
        var cap: Any? = value(host, first) ?? host.metrics[first]
        for key in path.dropFirst() {
            if let s = cap as? String {
                cap = try? JSONSerialization.jsonObject(with: Data(s.utf8), options: [.fragmentsAllowed])
            }
            guard let dict = cap as? [String: Any] else { return nil }
            cap = dict[key]
            if cap == nil || cap is NSNull { return nil }
        }
        return cap
    }

    /// Python's `str()` of a looked-up value, so operators compare what Nova compares.
    static func string(_ v: Any) -> String {
        switch v {
        case let s as String: s
        case let i as Int: String(i)
        case let d as Double: d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : String(d)
        case let n as NSNumber: n.stringValue
        case let a as [Any]:
            "[" + a.map { x in x is String ? "'\(x)'" : string(x) }.joined(separator: ", ") + "]"
        default: String(describing: v)
        }
    }
}
