import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusTestCloud
import Testing

/// Issue 13's proof on a real guest: a server booted through the Compute API with `config_drive: true`, a key
/// pair and user data, and no network, mounts the drive labelled config-2 (the shared busybox guest's /init) and
/// prints its meta_data.json and user data on the serial console; they come back through `os-getConsoleOutput`.
@Suite(.serialized, .timeLimit(.minutes(10)),
       .enabled("needs libvirt, QEMU and the test guest") { await RealQEMU.available() })
struct RealGuestConfigDriveTests {
    static let microversion = ["OpenStack-API-Version": "compute 2.100"]

    /// A well-formed ed25519 public key (wire format: string "ssh-ed25519", string of 32 key bytes).
    static func publicKey() -> String {
        var blob = Data([0, 0, 0, 11]) + Data("ssh-ed25519".utf8) + Data([0, 0, 0, 32])
        blob += Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        return "ssh-ed25519 " + blob.base64EncodedString() + " guest@nimbus"
    }

    @Test func theGuestReadsItsConfigDrive() async throws {
        try await RealQEMU.exclusively { try await boot() }
    }

    func boot() async throws {
        let instances = NSTemporaryDirectory() + "nimbus-cd-guest-\(UUID().uuidString.prefix(8))"
        try await withHarness(try await TestCloud.e2e(hosts: 1, [
            "DEFAULT.compute_driver": "libvirt.LibvirtDriver", "libvirt.virt_type": "qemu",
            "libvirt.connection_uri": "qemu:///system", "libvirt.instances_path": instances,
            "libvirt.shutdown_timeout": "3",
        ])) { cloud in
            let images = try await ImageClient(cloud)
            let kernel = try await images.upload(["name": "cd-kernel", "disk_format": "aki", "container_format": "aki"],
                                                 try Data(contentsOf: URL(fileURLWithPath: RealQEMU.kernel)))
            let ramdisk = try await images.upload(["name": "cd-initrd", "disk_format": "ari", "container_format": "ari"],
                                                  try Data(contentsOf: URL(fileURLWithPath: RealQEMU.initrd)))
            let disk = try await images.upload(["name": "cd-guest", "disk_format": "raw", "container_format": "bare",
                                                "kernel_id": kernel, "ramdisk_id": ramdisk,
                                                "os_command_line": RealQEMU.commandLine], Data(count: 1 << 20))
            let key = Self.publicKey()
            let (ks, kb) = try await cloud.request("POST", "/v2.1/os-keypairs",
                                                   ["keypair": ["name": "cd-key", "public_key": key]],
                                                   headers: Self.microversion)
            try #require(ks == 201 || ks == 200, "\(kb)")
            let userData = "#!/bin/sh\necho nimbus-user-data-\(UUID().uuidString.prefix(8))\n"
            let started = Date()
            let (status, body) = try await cloud.request("POST", "/v2.1/servers", [
                "server": ["name": "cd-guest", "imageRef": disk, "flavorRef": "1", "networks": "none",
                           "config_drive": true, "key_name": "cd-key",
                           "user_data": Data(userData.utf8).base64EncodedString()] as [String: Any],
            ], headers: Self.microversion)
            try #require(status == 202, "\(body)")
            let id = try #require((body["server"] as? [String: Any])?["id"] as? String)
            do {
                var output = ""
                try await cloud.waitUntil("the guest prints its config drive", within: 240) {
                    let s = try await cloud.server(id)
                    if s["status"] as? String == "ERROR" { throw GuestError("server went to ERROR: \(s["fault"] ?? "")") }
                    let (st, b) = try await cloud.request("POST", "/v2.1/servers/\(id)/action",
                                                          ["os-getConsoleOutput": [:] as [String: Any]],
                                                          headers: Self.microversion)
                    output = b["output"] as? String ?? ""
                    return st == 200 && output.contains("NIMBUS-CD-USERDATA-END")
                }
                print(String(format: "real guest config drive: boot to metadata on the console %.2f s",
                             Date().timeIntervalSince(started)))
                let meta = try #require(output.split(separator: "\n").first { $0.hasPrefix("NIMBUS-CD-META ") })
                let json = try #require(try JSONSerialization.jsonObject(
                    with: Data(meta.dropFirst("NIMBUS-CD-META ".count).utf8)) as? [String: Any])
                #expect(json["uuid"] as? String == id)
                #expect(json["public_keys"] as? [String: String] == ["cd-key": key])
                let ud = output.components(separatedBy: "NIMBUS-CD-USERDATA-BEGIN\n").last?
                    .components(separatedBy: "NIMBUS-CD-USERDATA-END").first
                #expect(ud == userData, "\(output)")
                #expect(try await cloud.server(id)["config_drive"] as? String == "True")
                #expect(FileManager.default.fileExists(atPath: "\(instances)/\(id)/disk.config"))
            } catch {
                _ = try? await cloud.request("DELETE", "/v2.1/servers/\(id)")
                throw error
            }
            #expect(try await cloud.request("DELETE", "/v2.1/servers/\(id)").0 == 204)
            try await cloud.waitUntil("the server is gone", within: 120) {
                try await cloud.get("/v2.1/servers/\(id)").0 == 404
            }
            #expect(!FileManager.default.fileExists(atPath: "\(instances)/\(id)"), "the instance directory is left behind")
            try? FileManager.default.removeItem(atPath: instances)
        }
    }
}
