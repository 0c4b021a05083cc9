import Foundation
import NimbusDaemons
import NimbusKernel
import NimbusKernelTestKit
import NimbusTestCloud
import Testing

/// Issue 12's proof on a real guest: a server boots through the API on the libvirt driver with `--network` on a
/// built-in network; the linuxbridge backend's dnsmasq leases it exactly the API's address (the guest prints
/// its lease on the serial console, read through os-getConsoleOutput); the host pings it; its TCP listener is
/// reachable only while a security-group rule opens the port; deleting the server and the network leaves no
/// bridge, tap, iptables rule, dnsmasq or lease file. TCG only, the one shared guest image.
@Suite(.serialized, .timeLimit(.minutes(10)),
       .enabled("needs libvirt, QEMU and the test guest") { await RealQEMU.available() })
struct RealGuestNetworkTests {
    static let microversion = ["OpenStack-API-Version": "compute 2.100"]
    let api = RealGuestAPITests()

    @Test func guestGetsTheAPIsAddressAndItsFirewallFollowsTheRules() async throws {
        try await RealQEMU.exclusively { try await bootOnANetwork() }
    }

    func bootOnANetwork() async throws {
        let instances = NSTemporaryDirectory() + "nimbus-net-guest-\(UUID().uuidString.prefix(8))"
        try await withHarness(try await TestCloud.e2e(hosts: 1, [
            "DEFAULT.compute_driver": "libvirt.LibvirtDriver", "libvirt.virt_type": "qemu",
            "libvirt.connection_uri": "qemu:///system", "libvirt.instances_path": instances,
            "libvirt.shutdown_timeout": "3", "AGENT.polling_interval": "0.5",
        ])) { cloud in
            let images = try await ImageClient(cloud)
            let kernel = try await images.upload(["name": "guest-kernel", "disk_format": "aki", "container_format": "aki"],
                                                 try Data(contentsOf: URL(fileURLWithPath: RealQEMU.kernel)))
            let ramdisk = try await images.upload(["name": "guest-initrd", "disk_format": "ari", "container_format": "ari"],
                                                  try Data(contentsOf: URL(fileURLWithPath: RealQEMU.initrd)))
            let disk = try await images.upload(["name": "guest", "disk_format": "raw", "container_format": "bare",
                                                "kernel_id": kernel, "ramdisk_id": ramdisk,
                                                "os_command_line": RealQEMU.commandLine], Data(count: 1 << 20))
            let (neutron, token) = try await ServerNetworkTests.neutron(cloud)
            let prefix = "10.\(Int.random(in: 200...250)).\(Int.random(in: 0...255))"
            let net = try #require(try await ServerNetworkTests.post(neutron + "/networks", token, [
                "network": ["name": "guest-net-\(UUID().uuidString.prefix(6))"]])["id"] as? String)
            _ = try await ServerNetworkTests.post(neutron + "/subnets", token, [
                "subnet": ["network_id": net, "cidr": prefix + ".0/24", "ip_version": 4]])
            let group = try #require(try await ServerNetworkTests.post(neutron + "/security-groups", token, [
                "security_group": ["name": "guest-sg", "project_id": "admin"]])["id"] as? String)
            _ = try await ServerNetworkTests.post(neutron + "/security-group-rules", token, ["security_group_rule": [
                "security_group_id": group, "direction": "ingress", "protocol": "icmp"]])

            let started = Date()
            let (status, body) = try await cloud.request("POST", "/v2.1/servers", [
                "server": ["name": "net-guest", "imageRef": disk, "flavorRef": "1", "networks": [["uuid": net]],
                           "security_groups": [["name": "guest-sg"]]],
            ], headers: Self.microversion)
            try #require(status == 202, "\(body)")
            let id = try #require((body["server"] as? [String: Any])?["id"] as? String)
            // Whatever fails, the server and the network are deleted and the host checked for what they left.
            var failure: (any Error)?
            do {
                try await api.wait(cloud, id, for: "ACTIVE")
                let server = try await cloud.server(id)
                let address = try #require(((server["addresses"] as? [String: [[String: Any]]])?.values.first?.first)?["addr"] as? String)
                let lease = try await leaseLine(cloud, id)
                print(String(format: "real guest on a network: POST to DHCP lease on the console %.2f s", Date().timeIntervalSince(started)))
                #expect(lease == address, "the guest leased \(lease), the API shows \(address)")
                try await cloud.waitUntil("the host pings the guest", within: 30) { await HostShell.ok("busybox ping -c 1 -W 2 \(address)") }

                let reach = "echo | busybox nc -w 3 \(address) 8080"
                #expect(!(await HostShell.run(reach)).output.contains("NIMBUS-GUEST-NC"), "no rule opens 8080 yet")
                let rule = try #require(try await ServerNetworkTests.post(neutron + "/security-group-rules", token, ["security_group_rule": [
                    "security_group_id": group, "direction": "ingress", "protocol": "tcp", "port_range_min": 8080, "port_range_max": 8080,
                ]])["id"] as? String)
                try await cloud.waitUntil("the rule opens 8080", within: 60) { await HostShell.run(reach).output.contains("NIMBUS-GUEST-NC") }
                _ = try await TestHTTP.send("DELETE", neutron + "/security-group-rules/\(rule)", headers: ["X-Auth-Token": token])
                try await cloud.waitUntil("removing the rule closes 8080", within: 60) { !(await HostShell.run(reach)).output.contains("NIMBUS-GUEST-NC") }
            } catch { failure = error }
            let port = try await TestHTTP.send("GET", neutron + "/ports?device_id=\(id)", headers: ["X-Auth-Token": token])
            let portID = ((port.body["ports"] as? [[String: Any]])?.first?["id"] as? String) ?? "none"
            let leftovers = [NetworkDeviceNames.bridge(network: net), NetworkDeviceNames.tap(port: portID)]
            #expect(try await cloud.request("DELETE", "/v2.1/servers/\(id)").0 == 204)
            try await cloud.waitUntil("the server is gone", within: 120) { try await cloud.get("/v2.1/servers/\(id)").0 == 404 }
            #expect(try await TestHTTP.send("DELETE", neutron + "/networks/\(net)", headers: ["X-Auth-Token": token]).status == 204)
            let statePath = CoreOptions.statePath.read(cloud.aio.runtime.config)
            for device in leftovers + leftovers.prefix(1).map({ "nvh-" + $0.dropFirst(4) }) {
                #expect(!(await HostShell.ok("ip link show dev \(device)")), "\(device) is left behind")
            }
            let rules = await HostShell.run("iptables -w -S; iptables -w -t nat -S; iptables -w -t raw -S").output
            #expect(!leftovers.map { String($0.dropFirst(5)) }.contains { rules.contains($0) }, "an iptables rule is left behind")
            #expect(!FileManager.default.fileExists(atPath: statePath + "/dhcp/" + net), "the lease and hosts files are left behind")
            #expect(!(await HostShell.ok("ps -eo stat=,args= | grep -v '^Z' | grep dnsmasq | grep -q '\(statePath)/dhcp/[0-9a-f]'")),
                    "a dnsmasq is left running")
            try? FileManager.default.removeItem(atPath: instances)
            if let failure { throw failure }
        }
    }

    /// The address the guest prints once DHCP leased it one.
    func leaseLine(_ cloud: TestCloud, _ id: String) async throws -> String {
        var lease = "", console = ""
        defer { if lease.isEmpty { Issue.record("no lease on the console; its end: \(console.suffix(1500))") } }
        try await cloud.waitUntil("the guest prints its lease", within: 240) {
            let (status, body) = try await cloud.request("POST", "/v2.1/servers/\(id)/action",
                                                         ["os-getConsoleOutput": [:] as [String: Any]], headers: Self.microversion)
            guard status == 200, let out = body["output"] as? String else { return false }
            console = out
            guard let line = out.split(separator: "\n").first(where: { $0.contains("NIMBUS-LEASE ") }) else { return false }
            lease = String(line.split(separator: " ").last ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            return true
        }
        return lease
    }
}
