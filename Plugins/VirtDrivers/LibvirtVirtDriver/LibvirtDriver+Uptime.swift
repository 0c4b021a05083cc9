import Foundation
import NimbusKernel

extension LibvirtDriver: HostUptimeDriver {
    /// Nova's libvirt `get_host_uptime`: the output of `env LANG=C uptime` on this host (run off the
    /// cooperative pool by `DiskImages.run`).
    public func hostUptime() async throws -> String {
        try await DiskImages.run("LANG=C", ["uptime"])
    }
}
