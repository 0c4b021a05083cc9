import Foundation
import NimbusTestCloud
import NimbusKernelTestKit
import Testing

@Suite(.serialized) struct HostShowTests {
    /// `openstack host show` (os-hosts, ≤ 2.42): (used_now) is the compute node's usage, reserved host
    /// memory included, so it agrees with the hypervisor's memory_mb_used; (used_max) sums the flavors.
    @Test func usedNowIsTheComputeNodesUsage() async throws {
        try await withHarness(try await Cloud.start(hosts: 1)) { cloud in
            let id = try await cloud.boot("vm")[0]
            let host = try #require(try await cloud.server(id)["OS-EXT-SRV-ATTR:host"] as? String)
            let rows = (try await cloud.call("GET", "/v2.1/os-hosts/\(host)", version: "2.42")["host"] as? [[String: Any]] ?? [])
                .compactMap { $0["resource"] as? [String: Any] }
            func row(_ p: String) -> [String: Any] { rows.first { $0["project"] as? String == p } ?? [:] }
            let hv = (try await cloud.call("GET", "/v2.1/os-hypervisors/detail", version: "2.87")["hypervisors"]
                as? [[String: Any]])?.first ?? [:]
            let usedNow = row("(used_now)")
            #expect(usedNow["memory_mb"] as? Int == hv["memory_mb_used"] as? Int, "\(usedNow) vs \(hv)")
            #expect(usedNow["cpu"] as? Int == hv["vcpus_used"] as? Int)
            #expect(usedNow["disk_gb"] as? Int == hv["local_gb_used"] as? Int)
            #expect((hv["memory_mb_used"] as? Int ?? 0) > 512)  // the m1.tiny plus reserved host memory
            let usedMax = row("(used_max)")
            #expect(usedMax["memory_mb"] as? Int == 512 && usedMax["cpu"] as? Int == 1 && usedMax["disk_gb"] as? Int == 1)
            #expect(row("(total)")["memory_mb"] as? Int == hv["memory_mb"] as? Int)
        }
    }
}
