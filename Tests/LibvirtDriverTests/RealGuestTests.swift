import Foundation
import Logging
import NimbusKernel
import NimbusKernelTestKit
import Testing

@testable import LibvirtVirtDriver

@Suite(.serialized, .timeLimit(.minutes(10)), .enabled("needs libvirt, QEMU and the test guest") { await RealQEMU.available() })
struct RealGuestTests {
    @Test func bootsARealGuestUnderQEMUAndReadsItsConsole() async throws {
        try await RealQEMU.exclusively { try await bootThroughTheDriver() }
    }

    func bootThroughTheDriver() async throws {
        let instances = NSTemporaryDirectory() + "nimbus-lv-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: instances, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        let d = try LibvirtDriver(context: PluginContext(
            config: try NimbusConfig(overrides: ["libvirt.virt_type": "qemu", "libvirt.connection_uri": "qemu:///system",
                                                 "libvirt.instances_path": instances, "libvirt.shutdown_timeout": "3"]),
            logger: Logger(label: "real-guest"), host: "real"))
        try await d.initHost()
        let host = try await d.hostResources()
        #expect(host.vcpus == ProcessInfo.processInfo.activeProcessorCount)
        #expect(host.hypervisorType == "QEMU")
        let memTotalKiB = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8).split(separator: "\n")
            .first { $0.hasPrefix("MemTotal:") }.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) }
        #expect(host.memoryMB == (memTotalKiB ?? 0) / 1024)  // the whole host, not one NUMA cell
        let fsBytes = (try FileManager.default.attributesOfFileSystem(forPath: instances)[.systemSize] as? NSNumber)?
            .int64Value ?? 0
        #expect(host.localGB == Int(fsBytes >> 30) && host.localGB > 0)  // the size of instances_path's filesystem

        let guest = Make.instance("real-guest", flavor: Flavor(id: "t", name: "tiny", memoryMB: 256, vcpus: 1, rootGB: 0))
        let events = d.lifecycleEvents()
        // Until the first stop (the hard reboot's destroy); QEMU guests also report resumed right after started.
        async let stopped = LibvirtEventsTests.collect(events, for: guest.uuid, until: .shutdown)
        let started = ContinuousClock.now
        try await d.spawn(SpawnRequest(instance: guest, kernelPath: RealQEMU.kernel, ramdiskPath: RealQEMU.initrd,
                                       imageProperties: ["os_command_line": RealQEMU.commandLine]))
        let defined = ContinuousClock.now - started
        func waitForLine() async throws -> Bool {
            let deadline = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < deadline {
                if try await d.consoleOutput(guest).contains(RealQEMU.marker) { return true }
                try await Task.sleep(for: .milliseconds(100))
            }
            return false
        }
        do {
            #expect(try await waitForLine())
            print("real guest: spawn returned in \(defined), console line after \(ContinuousClock.now - started)")
            #expect(try await d.instanceInfo(guest).powerState == .running)

            try await d.reboot(guest, hard: true)
            #expect(try await d.instanceInfo(guest).powerState == .running)
            #expect(try await waitForLine())
            try await d.reboot(guest, hard: false)  // busybox ignores ACPI: hard after shutdown_timeout
            #expect(try await d.instanceInfo(guest).powerState == .running)
            try await d.powerOff(guest)  // the same: destroyed after shutdown_timeout
            #expect(try await d.instanceInfo(guest).powerState == .shutdown)
            let events = await stopped
            #expect(events.first == .running && events.last == .shutdown, "lifecycle events from libvirtd: \(events)")
            try await d.powerOn(guest)
            #expect(try await d.instanceInfo(guest).powerState == .running)
        } catch {
            try? await d.destroy(guest)  // leave nothing behind even when a step fails
            throw error
        }

        try await d.destroy(guest)
        #expect(!(try await d.listInstances().contains(guest.uuid)))
        #expect(!FileManager.default.fileExists(atPath: "\(instances)/\(guest.uuid.uuidString.lowercased())"))
        try? FileManager.default.removeItem(atPath: instances)
    }
}
