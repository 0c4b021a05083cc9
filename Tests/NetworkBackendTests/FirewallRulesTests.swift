import Foundation
import NimbusKernel
import Testing

@testable import LinuxBridgeNetworkBackend

@Suite struct FirewallRulesTests {
    @Test func rulesBecomeIptablesMatches() {
        #expect(FirewallRules.match(SecurityRule(direction: .ingress, ipProtocol: "tcp", portRangeMin: 22, portRangeMax: 22,
                                                 remoteIPPrefix: "10.0.0.0/8")) == "-s 10.0.0.0/8 -p tcp -m tcp --dport 22")
        #expect(FirewallRules.match(SecurityRule(direction: .egress, ipProtocol: "17", portRangeMin: 1000, portRangeMax: 2000,
                                                 remoteIPPrefix: "192.0.2.1/32")) == "-d 192.0.2.1/32 -p udp -m udp --dport 1000:2000")
        #expect(FirewallRules.match(SecurityRule(direction: .ingress, ipProtocol: "icmp", portRangeMin: 8, portRangeMax: 0))
                == "-p icmp -m icmp --icmp-type 8/0")
        #expect(FirewallRules.match(SecurityRule(direction: .egress)) == "")
        #expect(FirewallRules.match(SecurityRule(direction: .ingress, remoteIPPrefix: "0.0.0.0/0")) == "")
    }

    @Test func networksGetDistinctConntrackZones() {
        let zones = FirewallRules.zones(["abcd0000-1", "abcd0000-2", "0001ffff"])
        #expect(Set(zones.values).count == 3)
        #expect(zones["0001ffff"] == 2)
    }

    @Test func whatIptablesCannotCarryOrIsNotAnAddressIsLeftOut() {
        #expect(FirewallRules.match(SecurityRule(direction: .ingress, ethertype: "IPv6")) == nil)
        #expect(FirewallRules.match(SecurityRule(direction: .ingress, remoteIPPrefix: "10.0.0.0/8\n-A FORWARD -j ACCEPT")) == nil)
        #expect(FirewallRules.match(SecurityRule(direction: .ingress, ipProtocol: "tcp -j ACCEPT")) == nil)
    }

    @Test func aPortGetsStatefulDefaultDenyChainsAndAntiSpoofing() {
        let net = HostNetwork(id: "6f1c0a4e-0000-4000-8000-000000000001", cidr: "10.9.0.0/24", gatewayIP: "10.9.0.1")
        let port = HostPort(id: "a1b2c3d4e5f6-0000", instance: UUID(), macAddress: "fa:16:3e:00:00:01",
                            fixedIPs: ["10.9.0.5"], network: net,
                            rules: [SecurityRule(direction: .ingress, ipProtocol: "tcp", portRangeMin: 80, portRangeMax: 80)])
        let text = FirewallRules.restoreInput(ports: [port], metadataPort: 8775, stale: ["ni-0000000000"])
        let lines = text.split(separator: "\n").map(String.init)
        let ingress = lines.filter { $0.hasPrefix("-A ni-a1b2c3d4e5") }
        #expect(ingress.first == "-A ni-a1b2c3d4e5 -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN")
        #expect(ingress.contains("-A ni-a1b2c3d4e5 -p tcp -m tcp --dport 80 -j RETURN"))
        #expect(ingress.last == "-A ni-a1b2c3d4e5 -j DROP")
        #expect(lines.contains("-A ns-a1b2c3d4e5 -s 10.9.0.5/32 -m mac --mac-source fa:16:3e:00:00:01 -j RETURN"))
        #expect(lines.contains("-A nimbus-sg -m physdev --physdev-out ntap-a1b2c3d4e5 --physdev-is-bridged -j ni-a1b2c3d4e5"))
        #expect(lines.contains("-X ni-0000000000"))
        #expect(lines.contains("-A nimbus-meta -i nvh-6f1c0a4e00 -d 169.254.169.254/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.9.0.1:8775"))
        #expect(lines.contains("-A nimbus-zone -i nbr-6f1c0a4e00 -j CT --zone \(0x6f1c % 60000 + 1)"))
        // The chain jumps come before the final accepts, or a port's ingress would be skipped.
        let jump = lines.firstIndex { $0.hasSuffix("-j ni-a1b2c3d4e5") }, accept = lines.firstIndex { $0.hasSuffix("-j ACCEPT") }
        #expect((jump ?? .max) < (accept ?? .min))
    }
}
