import Foundation
import Logging
import NimbusKernel
import NimbusKernelTestKit
import Testing

@testable import LinuxBridgeNetworkBackend

/// The linuxbridge backend on this machine's kernel, with a network namespace standing in for the guest: its
/// veth end is named as the hypervisor's tap would be and carries the port's MAC, so DHCP, the firewall and
/// the metadata DNAT are exercised as a guest would meet them. Needs root, `ip`, `dnsmasq`, `iptables` and
/// busybox (installed by `make deps` / CI). Run under `RealQEMU.exclusively`: the host's `nimbus-*` chains are
/// one per host, so the real-guest network test must not plug ports at the same time.
@Suite(.serialized, .enabled(if: LinuxHost.canPlumb)) struct LinuxBridgeBackendTests {
    @Test func guestGetsItsAddressByDHCPAndTheFirewallFollowsTheRules() async throws {
        try await RealQEMU.exclusively { try await dhcpFirewallAndMetadata() }
    }

    func dhcpFirewallAndMetadata() async throws {
        let t = try LinuxHost.Fixture()
        let backend = try LinuxBridgeBackend(context: t.context)
        // Cleaned up whatever fails: a failed run must not leave bridges, chains or a dnsmasq for the next.
        var failure: (any Error)?
        do { try await exercise(t, backend) } catch { failure = error }
        t.removeGuest()
        try await backend.unplug(instance: t.instance)
        #expect(t.leftovers() == [])
        if let failure { throw failure }
    }

    func exercise(_ t: LinuxHost.Fixture, _ backend: LinuxBridgeBackend) async throws {
        let icmp = SecurityRule(direction: .ingress, ipProtocol: "icmp")
        let egress = SecurityRule(direction: .egress)
        let vif = try await backend.plug(t.port(rules: [icmp, egress]))
        #expect(vif.bridge == NetworkDeviceNames.bridge(network: t.network.id))
        #expect(vif.device.count <= 15 && vif.bridge.count <= 15)
        #expect(try LinuxHost.sh("cat \(t.stateDir)/dhcp/\(t.network.id)/host").contains("\(t.mac),\(t.ip)"))

        try t.startGuest(tap: vif.device, bridge: vif.bridge)
        #expect(try t.leaseInGuest() == t.ip)
        #expect(await LinuxHost.okOffPool("busybox ping -c 1 -W 3 \(t.ip)"))

        let port = 8000 + Int.random(in: 0..<1000)
        try t.listenInGuest(port: port)
        #expect(!(await LinuxHost.okOffPool("echo | busybox nc -w 3 \(t.ip) \(port)")), "no rule opens the port yet")
        let open = SecurityRule(direction: .ingress, ipProtocol: "tcp", portRangeMin: port, portRangeMax: port)
        try await backend.applyRules(portID: t.portID, rules: [icmp, egress, open], portSecurity: true)
        #expect(try await LinuxHost.shOffPool("echo | busybox nc -w 3 \(t.ip) \(port)").contains("guest-listener"))
        try await backend.applyRules(portID: t.portID, rules: [icmp, egress], portSecurity: true)
        #expect(!(await LinuxHost.okOffPool("echo | busybox nc -w 3 \(t.ip) \(port)")), "the rule is gone")

        // The metadata address reaches the gateway's metadata port.
        try t.listenOnHost(port: t.metadataPort)
        #expect(try t.inGuest("echo | busybox nc -w 3 169.254.169.254 80").contains("host-listener"))
    }

    @Test func aNetworkStaysWhileAnotherPortUsesIt() async throws {
        try await RealQEMU.exclusively { try await networkStaysWhileUsed() }
    }

    func networkStaysWhileUsed() async throws {
        let t = try LinuxHost.Fixture()
        let backend = try LinuxBridgeBackend(context: t.context)
        let other = UUID()
        _ = try await backend.plug(t.port(rules: []))
        var second = t.port(rules: [])
        second.id = UUID().uuidString.lowercased()
        second.instance = other
        second.macAddress = "fa:16:3e:00:00:99"
        second.fixedIPs = [t.prefix + ".9"]
        _ = try await backend.plug(second)
        try await backend.unplug(instance: t.instance)
        #expect(LinuxHost.ok("ip link show dev \(NetworkDeviceNames.bridge(network: t.network.id))"))
        let hosts = try LinuxHost.sh("cat \(t.stateDir)/dhcp/\(t.network.id)/host")
        #expect(!hosts.contains(t.mac) && hosts.contains("fa:16:3e:00:00:99"))
        try await backend.unplug(instance: other)
        #expect(t.leftovers() == [])
    }
}
