import Foundation
import FoundationXML
import NimbusKernel
import NimbusKernelTestKit
import Testing

@testable import LibvirtVirtDriver

/// `[vnc]` and `[serial_console]` in the domain XML, and the console ports read back from the live XML.
@Suite struct LibvirtConsoleTests {
    func spawn(_ d: LibvirtDriver) async throws -> InstanceRecord {
        let i = Make.instance("console-\(UUID().uuidString.prefix(6))", flavor: Make.flavor(vcpus: 1, ram: 128, disk: 0))
        try await d.spawn(SpawnRequest(instance: i))
        return i
    }

    func xml(_ d: LibvirtDriver, _ i: InstanceRecord) async throws -> String {
        try #require(try await d.liveXML(i)).xmlString
    }

    @Test func vncGraphicsOnlyWhenEnabledAndSerialTCPWhenAsked() async throws {
        let on = try libvirtDriver(["serial_console.enabled": "true", "serial_console.port_range": "30000:30100",
                                    "serial_console.proxyclient_address": "127.0.0.1"])
        let i = try await spawn(on)
        let live = try await xml(on, i)
        #expect(live.contains("graphics") && live.contains("vnc"))
        #expect(live.contains(#"type="tcp""#), "\(live)")
        let serial = try await on.serialConsole(i)
        #expect(serial.host == "127.0.0.1" && (30000...30100).contains(serial.port))
        try await on.destroy(i)

        let off = try libvirtDriver(["vnc.enabled": "false"])
        let j = try await spawn(off)
        let plain = try await xml(off, j)
        #expect(!plain.contains("<graphics"))
        await #expect(throws: VirtDriverError.self) { _ = try await off.serialConsole(j) }
        try await off.destroy(j)
    }

    @Test func aBadPortRangeIsAConfigError() {
        #expect(throws: ConfigError.self) {
            _ = try libvirtDriver(["serial_console.enabled": "true", "serial_console.port_range": "20000:10000"])
        }
    }

    @Test func serialXMLBindsAndLogs() {
        var g = GuestConfig(domainType: "qemu", name: "i", uuid: UUID(), displayName: "i", projectID: "p",
                            flavor: Flavor(id: "1", name: "f", memoryMB: 128, vcpus: 1, rootGB: 0),
                            consoleLogPath: "/tmp/console.log")
        g.serialTCP = .init(host: "192.0.2.1", port: 10001)
        let x = g.xml()
        #expect(x.contains(#"<source mode="bind" host="192.0.2.1" service="10001"/>"#), "\(x)")
        #expect(x.contains(#"<log file="/tmp/console.log" append="off"/>"#))
        #expect(!x.contains(#"<serial type="file">"#))
    }
}

/// The config drive as Nova attaches an ISO: a read-only cdrom on ide (pc machine type).
@Suite struct LibvirtConfigDriveTests {
    @Test func theConfigDriveIsAReadOnlyCdrom() async throws {
        let d = try libvirtDriver()
        let i = Make.instance("cd-\(UUID().uuidString.prefix(6))", flavor: Make.flavor(vcpus: 1, ram: 128, disk: 0))
        try await d.spawn(SpawnRequest(instance: i, configDrivePath: "/var/lib/nimbus/x/disk.config"))
        let live = try #require(try await d.liveXML(i)).xmlString
        #expect(live.contains(#"device="cdrom""#) && live.contains("/var/lib/nimbus/x/disk.config"), "\(live)")
        #expect(live.contains(#"bus="ide""#) && live.contains("<readonly"), "\(live)")
        try await d.destroy(i)
        let j = Make.instance("nocd-\(UUID().uuidString.prefix(6))", flavor: Make.flavor(vcpus: 1, ram: 128, disk: 0))
        try await d.spawn(SpawnRequest(instance: j))
        #expect(try #require(try await d.liveXML(j)).xmlString.contains("cdrom") == false)
        try await d.destroy(j)
    }
}
