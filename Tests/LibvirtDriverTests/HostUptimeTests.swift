import Foundation
import NimbusKernel
import Testing

@testable import LibvirtVirtDriver

@Suite struct HostUptimeTests {
    /// Nova's libvirt `get_host_uptime` is the host's `uptime` output; os-hypervisors shows it.
    @Test func uptimeIsTheHostsUptimeLine() async throws {
        let d: any VirtDriver = try libvirtDriver()
        let driver = try #require(d as? any HostUptimeDriver)
        let line = try await driver.hostUptime()
        #expect(line.contains(" up ") && line.contains("load average"), "\(line)")
    }
}
