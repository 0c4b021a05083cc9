import FakeNetworkBackend
import Foundation
import NimbusDaemons
import NimbusKernel
import NimbusKernelTestKit
import NimbusTestCloud
import Testing

/// The compute's data-plane path on the fake backend: a server's port is plugged on its host with the API's
/// MAC and address (the DHCP entry), its network's gateway, and its groups' rules; rule changes through the
/// Networking API reach the host; deleting the server unplugs it and the network leaves the host.
@Suite(.serialized) struct DataPlaneFakeTests {
    @Test func portsArePluggedWithTheirRulesAndUnpluggedOnDelete() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 1, ["AGENT.polling_interval": "0.2"])) { cloud in
            let (neutron, token) = try await ServerNetworkTests.neutron(cloud)
            let net = try #require(try await ServerNetworkTests.post(neutron + "/networks", token, ["network": ["name": "dp"]])["id"] as? String)
            _ = try await ServerNetworkTests.post(neutron + "/subnets", token, [
                "subnet": ["network_id": net, "cidr": "10.30.0.0/24", "ip_version": 4]])
            let id = try #require(try await cloud.boot("dp", extra: ["networks": [["uuid": net]]]).first)
            #expect(try await cloud.status(id) == "ACTIVE")
            let ports = try await TestHTTP.send("GET", neutron + "/ports?device_id=\(id)", headers: ["X-Auth-Token": token])
            let port = try #require((ports.body["ports"] as? [[String: Any]])?.first)
            let portID = try #require(port["id"] as? String), mac = try #require(port["mac_address"] as? String)
            let group = try #require((port["security_groups"] as? [String])?.first)

            let statePath = CoreOptions.statePath.read(cloud.aio.runtime.config)
            func record() -> FakeNetworkBackend.Record? { FakeNetworkBackend.recorded(statePath: statePath, host: "fake-1") }
            let plugged = try #require(record()?.ports[portID])
            #expect(plugged.macAddress == mac && plugged.fixedIPs == ["10.30.0.2"] && plugged.instance.uuidString.lowercased() == id)
            #expect(plugged.network == HostNetwork(id: net, cidr: "10.30.0.0/24", gatewayIP: "10.30.0.1", mtu: plugged.network.mtu))
            #expect(record()?.dhcpHosts(network: net) == ["\(mac),10.30.0.2"])
            // The default group: egress anywhere, ingress from the group's members (this port alone).
            #expect(plugged.rules.contains(SecurityRule(direction: .egress)))
            #expect(plugged.rules.contains(SecurityRule(direction: .ingress, remoteIPPrefix: "10.30.0.2/32")))
            #expect(plugged.portSecurity)

            let ssh = try #require(try await ServerNetworkTests.post(neutron + "/security-group-rules", token, ["security_group_rule": [
                "security_group_id": group, "direction": "ingress", "protocol": "tcp", "port_range_min": 22, "port_range_max": 22,
            ]])["id"] as? String)
            let opened = SecurityRule(direction: .ingress, ipProtocol: "tcp", portRangeMin: 22, portRangeMax: 22)
            try await cloud.waitUntil("the new rule reaches the host") { record()?.ports[portID]?.rules.contains(opened) == true }
            let deleted = try await TestHTTP.send("DELETE", neutron + "/security-group-rules/\(ssh)", headers: ["X-Auth-Token": token])
            #expect(deleted.status == 204)
            try await cloud.waitUntil("the removed rule leaves the host") { record()?.ports[portID]?.rules.contains(opened) == false }

            #expect(try await cloud.call("DELETE", "/v2.1/servers/\(id)").status == 204)
            try await cloud.waitUntil("the port is unplugged and the network leaves the host") {
                record()?.ports.isEmpty == true && record()?.networks.isEmpty == true
            }
        }
    }

    /// The backend holds what it plugged in memory: a restarted compute plugs its guests' ports again (Nova's
    /// init_host plug_vifs), so their rules are kept up to date and a later delete still unplugs them.
    @Test func aRestartedComputePlugsItsGuestsPortsAgain() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 1, ["AGENT.polling_interval": "0.2"])) { cloud in
            let (neutron, token) = try await ServerNetworkTests.neutron(cloud)
            let net = try #require(try await ServerNetworkTests.post(neutron + "/networks", token, ["network": ["name": "dp"]])["id"] as? String)
            _ = try await ServerNetworkTests.post(neutron + "/subnets", token, [
                "subnet": ["network_id": net, "cidr": "10.31.0.0/24", "ip_version": 4]])
            let id = try #require(try await cloud.boot("dp", extra: ["networks": [["uuid": net]]]).first)
            #expect(try await cloud.status(id) == "ACTIVE")
            let ports = try await TestHTTP.send("GET", neutron + "/ports?device_id=\(id)", headers: ["X-Auth-Token": token])
            let port = try #require((ports.body["ports"] as? [[String: Any]])?.first)
            let portID = try #require(port["id"] as? String), mac = try #require(port["mac_address"] as? String)
            let statePath = CoreOptions.statePath.read(cloud.aio.runtime.config)
            func record() -> FakeNetworkBackend.Record? { FakeNetworkBackend.recorded(statePath: statePath, host: "fake-1") }

            await cloud.aio.stopCompute("fake-1", gracefully: true)
            // Its service made a new, empty backend before it recovers; the port must come back into it.
            try await cloud.aio.startCompute("fake-1")
            try await cloud.waitUntil("the restarted compute plugs the port again") {
                record()?.ports[portID]?.macAddress == mac && record()?.dhcpHosts(network: net) == ["\(mac),10.31.0.2"]
            }
            #expect(try await cloud.call("DELETE", "/v2.1/servers/\(id)").status == 204)
            try await cloud.waitUntil("the port is unplugged and the network leaves the host") {
                record()?.ports.isEmpty == true && record()?.networks.isEmpty == true
            }
        }
    }
}
