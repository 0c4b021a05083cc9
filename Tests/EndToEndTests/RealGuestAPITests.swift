import Foundation
import NimbusKernel
import NimbusTestCloud
import NimbusDaemons
import NimbusKernelTestKit
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Issue 6's proof: the tiny guest's kernel, initrd and a disk go in through the Image API, a server boots
/// through the Compute API on `libvirt.LibvirtDriver` under QEMU (TCG), its console line comes back through
/// `os-getConsoleOutput`, and reboot, stop, start and delete leave no domain or file behind.
@Suite(.serialized, .timeLimit(.minutes(10)),
       .enabled("needs libvirt, QEMU and the test guest") { await RealQEMU.available() })
struct RealGuestAPITests {
    static let microversion = ["OpenStack-API-Version": "compute 2.100"]

    @Test func bootsTheImageAPIsGuestThroughTheComputeAPI() async throws {
        try await RealQEMU.exclusively { try await bootThroughTheAPI() }
    }

    func bootThroughTheAPI() async throws {
        let instances = NSTemporaryDirectory() + "nimbus-api-guest-\(UUID().uuidString.prefix(8))"
        try await withHarness(try await TestCloud.e2e(hosts: 1, [
            "DEFAULT.compute_driver": "libvirt.LibvirtDriver", "libvirt.virt_type": "qemu",
            "libvirt.connection_uri": "qemu:///system", "libvirt.instances_path": instances,
            "libvirt.shutdown_timeout": "3",
        ])) { cloud in
            let images = try await ImageClient(cloud)
            let kernel = try await images.upload(["name": "guest-kernel", "disk_format": "aki", "container_format": "aki"],
                                                 try Data(contentsOf: URL(fileURLWithPath: RealQEMU.kernel)))
            let ramdisk = try await images.upload(["name": "guest-initrd", "disk_format": "ari", "container_format": "ari"],
                                                  try Data(contentsOf: URL(fileURLWithPath: RealQEMU.initrd)))
            let disk = try await images.upload(["name": "guest", "disk_format": "raw", "container_format": "bare",
                                                "kernel_id": kernel, "ramdisk_id": ramdisk,
                                                "os_command_line": RealQEMU.commandLine], Data(count: 1 << 20))

            let hypervisor = try #require(try await cloud.hypervisors().first)
            print("real guest: hypervisor \(hypervisor["hypervisor_type"] ?? "") vcpus \(hypervisor["vcpus"] ?? "") memory_mb "
                  + "\(hypervisor["memory_mb"] ?? "") local_gb \(hypervisor["local_gb"] ?? "")")
            let started = Date()
            let (status, body) = try await cloud.request("POST", "/v2.1/servers", [
                "server": ["name": "real-guest", "imageRef": disk, "flavorRef": "1", "networks": "none"],
            ], headers: Self.microversion)
            try #require(status == 202, "\(body)")
            let id = try #require((body["server"] as? [String: Any])?["id"] as? String)
            do {
                try await wait(cloud, id, for: "ACTIVE")
                let active = Date().timeIntervalSince(started)
                try await waitForConsoleLine(cloud, id)
                print(String(format: "real guest through the API: ACTIVE after %.2f s, console line after %.2f s",
                             active, Date().timeIntervalSince(started)))

                try await action(cloud, id, ["reboot": ["type": "HARD"]])
                try await wait(cloud, id, for: "ACTIVE")
                try await waitForConsoleLine(cloud, id)
                try await action(cloud, id, ["os-stop": NSNull()])
                try await wait(cloud, id, for: "SHUTOFF")
                try await action(cloud, id, ["os-start": NSNull()])
                try await wait(cloud, id, for: "ACTIVE")
            } catch {
                _ = try? await cloud.request("DELETE", "/v2.1/servers/\(id)")
                throw error
            }
            #expect(try await cloud.request("DELETE", "/v2.1/servers/\(id)").0 == 204)
            try await cloud.waitUntil("the server is gone", within: 120) {
                try await cloud.get("/v2.1/servers/\(id)").0 == 404
            }
            #expect(!virshDomains().contains { $0.contains(id) }, "a libvirt domain is left behind")
            #expect(!FileManager.default.fileExists(atPath: "\(instances)/\(id)"), "the instance directory is left behind")
            try? FileManager.default.removeItem(atPath: instances)
        }
    }

    func action(_ cloud: TestCloud, _ id: String, _ body: [String: Any]) async throws {
        let (status, reply) = try await cloud.request("POST", "/v2.1/servers/\(id)/action", body, headers: Self.microversion)
        try #require(status == 202, "\(body.keys.first ?? "") answered \(status): \(reply)")
    }

    /// Waits for the status with no task in progress (bounded so a broken guest cannot hang the suite).
    func wait(_ cloud: TestCloud, _ id: String, for wanted: String) async throws {
        try await cloud.waitUntil("server \(id) is \(wanted)", within: 180) {
            let s = try await cloud.server(id)
            if s["status"] as? String == "ERROR" { throw GuestError("server went to ERROR: \(s["fault"] ?? "")") }
            return s["status"] as? String == wanted && s["OS-EXT-STS:task_state"] is NSNull
        }
    }

    func waitForConsoleLine(_ cloud: TestCloud, _ id: String) async throws {
        try await cloud.waitUntil("the guest prints its line", within: 180) {
            let (status, body) = try await cloud.request("POST", "/v2.1/servers/\(id)/action",
                                                         ["os-getConsoleOutput": ["length": 50]], headers: Self.microversion)
            return status == 200 && (body["output"] as? String)?.contains(RealQEMU.marker) == true
        }
    }

    func virshDomains() -> [String] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/virsh")
        p.arguments = ["-c", "qemu:///system", "list", "--all", "--name"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? ProcessSpawn.run(p)) != nil else { return [] }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return text.split(separator: "\n").map(String.init)
    }
}

struct GuestError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
