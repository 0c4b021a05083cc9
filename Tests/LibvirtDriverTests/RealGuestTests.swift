import Foundation
import Logging
import NimbusKernel
import NimbusKernelTestKit
import Testing

@testable import LibvirtVirtDriver

/// Starts libvirtd (scripts/start-libvirtd.sh) and builds the tiny guest (scripts/build-test-guest.sh) once.
enum RealQEMU {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let guestDir = NSTemporaryDirectory() + "nimbus-test-guest"
    /// Direct kernel boot of the tiny guest (image properties, as Nova's kernel_id/ramdisk_id/os_command_line).
    static var bootProperties: [String: String] {
        ["kernel": "\(guestDir)/vmlinuz", "ramdisk": "\(guestDir)/initrd.gz", "os_command_line": "console=ttyS0 quiet panic=-1"]
    }

    /// Runs a script to completion. Its output goes to a file, not a pipe: a daemon the script starts could
    /// inherit a pipe and keep it open, and reading to EOF would then wait as long as the daemon lives.
    static func sh(_ script: String, _ args: [String] = []) -> (Int32, String) {
        let log = NSTemporaryDirectory() + "nimbus-\(script)-\(UUID().uuidString.prefix(8)).log"
        guard FileManager.default.createFile(atPath: log, contents: nil),
              let out = FileHandle(forWritingAtPath: log) else { return (-1, "cannot create \(log)") }
        defer { try? FileManager.default.removeItem(atPath: log) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["\(repo)/scripts/\(script)"] + args
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = out
        p.standardError = out
        do { try p.run() } catch { return (-1, "\(error)") }
        p.waitUntilExit()
        try? out.close()
        return (p.terminationStatus, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// Nil when a real guest can run here; otherwise why not.
    static let unavailable: String? = {
        guard getuid() == 0 else { return "needs root to start libvirtd" }
        let (rc, out) = sh("start-libvirtd.sh")
        guard rc == 0 else { return "libvirtd cannot start here: \(out)" }
        let (grc, gout) = sh("build-test-guest.sh", [guestDir])
        guard grc == 0 else { return "cannot build the test guest: \(gout)" }
        return nil
    }()
}

@Suite(.serialized, .timeLimit(.minutes(10)), .enabled(if: RealQEMU.unavailable == nil, "\(RealQEMU.unavailable ?? "")"))
struct RealGuestTests {
    @Test func bootsARealGuestUnderQEMUAndReadsItsConsole() async throws {
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

        let guest = Make.instance("real-guest", flavor: Flavor(id: "t", name: "tiny", memoryMB: 256, vcpus: 1, rootGB: 0))
        let events = d.lifecycleEvents()
        // Until the first stop (the hard reboot's destroy); QEMU guests also report resumed right after started.
        async let stopped = LibvirtEventsTests.collect(events, for: guest.uuid, until: .shutdown)
        let started = ContinuousClock.now
        try await d.spawn(SpawnRequest(instance: guest, imageProperties: RealQEMU.bootProperties))
        let defined = ContinuousClock.now - started
        func waitForLine() async throws -> Bool {
            let deadline = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < deadline {
                if try await d.consoleOutput(guest).contains("NIMBUS-GUEST-UP") { return true }
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
