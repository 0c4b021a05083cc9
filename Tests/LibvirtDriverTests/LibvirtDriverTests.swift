import Foundation
import Logging
import NimbusKernel
import NimbusKernelTestKit
import Testing

@testable import LibvirtVirtDriver

func libvirtDriver(_ overrides: [String: String] = [:], host: String = "lv-\(UUID().uuidString.prefix(6))") throws
    -> LibvirtDriver
{
    var settings = ["libvirt.virt_type": "test", "libvirt.connection_uri": "test:///default",
                    "libvirt.shutdown_timeout": "5"]
    settings.merge(overrides) { _, new in new }
    return try LibvirtDriver(context: PluginContext(config: try NimbusConfig(overrides: settings),
                                                    logger: Logger(label: "libvirt-test"), host: host))
}

/// The shared driver suite against libvirt's in-process test hypervisor (no daemon, no QEMU).
@Suite struct LibvirtConformanceTests {
    @Test(arguments: VirtDriverConformance.all)
    func conformance(_ check: VirtDriverConformance.Check) async throws {
        try await check.run { try libvirtDriver() }
    }
}

@Suite struct LibvirtDriverTests {
    @Test func hostResourcesComeFromTheNode() async throws {
        let d = try libvirtDriver(host: "node-a")
        let r = try await d.hostResources()
        #expect(r.vcpus == 16)  // test:///default's node: 16 CPUs
        #expect(r.memoryMB > 0)
        #expect(r.hypervisorType == "TEST")  // virConnectGetType of the test driver
        #expect(r.hypervisorHostname == "node-a")
    }

    @Test func guestXMLEscapesEveryValue() {
        let g = GuestConfig(domainType: "qemu", name: "instance-x", uuid: UUID(), displayName: #"evil</name><devices>"&'"#,
                            projectID: "p&q", flavor: Flavor(id: "1", name: "m1<tiny>", memoryMB: 512, vcpus: 1, rootGB: 1),
                            consoleLogPath: "/tmp/a b/console.log", vncListen: "127.0.0.1")
        let xml = g.xml()
        #expect(xml.contains("<nova:name>evil&lt;/name&gt;&lt;devices&gt;&quot;&amp;&apos;</nova:name>"))
        #expect(xml.contains(#"name="m1&lt;tiny&gt;""#))
        #expect(xml.contains(#"uuid="p&amp;q""#))
        #expect(!xml.contains("<devices>\"&"))
        #expect(xml.contains("<memory unit=\"MiB\">512</memory>"))
        #expect(xml.contains(#"<serial type="file">"#))
    }

    @Test func directKernelBootUsesImageProperties() {
        var g = GuestConfig(domainType: "qemu", name: "i", uuid: UUID(), displayName: "i", projectID: "p",
                            flavor: Flavor(id: "1", name: "f", memoryMB: 128, vcpus: 1, rootGB: 0))
        g.kernel = "/images/vmlinuz"
        g.ramdisk = "/images/initrd"
        g.commandLine = "console=ttyS0"
        let xml = g.xml()
        #expect(xml.contains("<kernel>/images/vmlinuz</kernel>"))
        #expect(xml.contains("<initrd>/images/initrd</initrd>"))
        #expect(xml.contains("<cmdline>console=ttyS0</cmdline>"))
        #expect(!xml.contains("<boot dev"))
    }

    @Test func eachPortIsABridgeInterfaceWithItsMACAndTapReplacingTheConfiguredNetwork() {
        var g = GuestConfig(domainType: "qemu", name: "i", uuid: UUID(), displayName: "i", projectID: "p",
                            flavor: Flavor(id: "1", name: "f", memoryMB: 128, vcpus: 1, rootGB: 0))
        g.network = .user
        g.vifs = [PluggedVIF(portID: "p1", macAddress: "fa:16:3e:00:00:01", bridge: "nbr-0123456789", device: "ntap-aaaaaaaaaa"),
                  PluggedVIF(portID: "p2", macAddress: "fa:16:3e:00:00:02", bridge: "nbr-9876543210", device: "ntap-bbbbbbbbbb")]
        let xml = g.xml().replacingOccurrences(of: "\n", with: "").replacingOccurrences(of: " ", with: "")
        #expect(xml.contains(#"<interfacetype="bridge"><macaddress="fa:16:3e:00:00:01"/><sourcebridge="nbr-0123456789"/><targetdev="ntap-aaaaaaaaaa"/><modeltype="virtio"/></interface>"#))
        #expect(xml.contains(#"<sourcebridge="nbr-9876543210"/><targetdev="ntap-bbbbbbbbbb"/>"#))
        #expect(!xml.contains(#"<interfacetype="user">"#))
    }

    @Test func libvirtStatesMapToNovaPowerStates() {
        #expect(DomainState.powerState(1) == .running)  // VIR_DOMAIN_RUNNING
        #expect(DomainState.powerState(2) == .running)  // BLOCKED
        #expect(DomainState.powerState(3) == .paused)
        #expect(DomainState.powerState(5) == .shutdown)  // SHUTOFF
        #expect(DomainState.powerState(6) == .crashed)
        #expect(DomainState.powerState(7) == .suspended)  // PMSUSPENDED
    }

    @Test func aBadConnectionURIIsAHypervisorErrorNotACrash() async throws {
        let d = try libvirtDriver(["libvirt.connection_uri": "test:///nonexistent/file.xml"])
        await #expect(throws: VirtDriverError.self) { try await d.hostResources() }
    }

    @Test func domainsAreNamedAndListedByInstanceUUID() async throws {
        let d = try libvirtDriver()
        let i = Make.instance("named")
        try await d.spawn(SpawnRequest(instance: i))
        #expect(try await d.listInstances().contains(i.uuid))
        let info = try await d.instanceInfo(i)
        #expect(info.memoryMB == i.flavor.memoryMB && info.vcpus == i.flavor.vcpus)
        try await d.destroy(i)
        #expect(!(try await d.listInstances().contains(i.uuid)))
    }
}
