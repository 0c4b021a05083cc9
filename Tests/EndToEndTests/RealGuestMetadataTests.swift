import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusTestCloud
import Testing

/// Issue 13's acceptance over the network: a real guest booted through the API on a built-in network with
/// `--key-name` and `--user-data` asks http://169.254.169.254 (the linuxbridge backend DNATs it to the metadata
/// service on the network's gateway) for `openstack/latest/meta_data.json` and `latest/user-data`, and prints
/// them on its serial console; the test reads them back through os-getConsoleOutput. The service finds the
/// instance by the request's source address (its port's fixed IP), as Nova does without Neutron's proxy.
@Suite(.serialized, .timeLimit(.minutes(10)),
       .enabled("needs libvirt, QEMU and the test guest") { await RealQEMU.available() })
struct RealGuestMetadataTests {
    static let microversion = ["OpenStack-API-Version": "compute 2.100"]

    @Test func theGuestReadsItsMetadataThroughTheLinkLocalAddress() async throws {
        try await RealQEMU.exclusively { try await boot() }
    }

    func boot() async throws {
        let instances = NSTemporaryDirectory() + "nimbus-md-guest-\(UUID().uuidString.prefix(8))"
        let metadataPort = "\(freePort())"
        try await withHarness(try await TestCloud.e2e(hosts: 1, [
            "DEFAULT.compute_driver": "libvirt.LibvirtDriver", "libvirt.virt_type": "qemu",
            "libvirt.connection_uri": "qemu:///system", "libvirt.instances_path": instances,
            "libvirt.shutdown_timeout": "3",
            // The guest's requests arrive on the gateway address, so the service listens beyond 127.0.0.1.
            "DEFAULT.metadata_listen": "0.0.0.0", "DEFAULT.metadata_listen_port": metadataPort,
            "linux_bridge.metadata_port": metadataPort,
        ])) { cloud in
            let images = try await ImageClient(cloud)
            let kernel = try await images.upload(["name": "md-kernel", "disk_format": "aki", "container_format": "aki"],
                                                 try Data(contentsOf: URL(fileURLWithPath: RealQEMU.kernel)))
            let ramdisk = try await images.upload(["name": "md-initrd", "disk_format": "ari", "container_format": "ari"],
                                                  try Data(contentsOf: URL(fileURLWithPath: RealQEMU.initrd)))
            let disk = try await images.upload(["name": "md-guest", "disk_format": "raw", "container_format": "bare",
                                                "kernel_id": kernel, "ramdisk_id": ramdisk,
                                                "os_command_line": RealQEMU.commandLine], Data(count: 1 << 20))
            let key = RealGuestConfigDriveTests.publicKey()
            let (ks, kb) = try await cloud.request("POST", "/v2.1/os-keypairs", ["keypair": ["name": "md-key", "public_key": key]],
                                                   headers: Self.microversion)
            try #require(ks == 201 || ks == 200, "\(kb)")
            let (neutron, token) = try await ServerNetworkTests.neutron(cloud)
            let prefix = "10.\(Int.random(in: 200...250)).\(Int.random(in: 0...255))"
            let net = try #require(try await ServerNetworkTests.post(neutron + "/networks", token, [
                "network": ["name": "md-net-\(UUID().uuidString.prefix(6))"]])["id"] as? String)
            _ = try await ServerNetworkTests.post(neutron + "/subnets", token, [
                "subnet": ["network_id": net, "cidr": prefix + ".0/24", "ip_version": 4]])

            let userData = "#!/bin/sh\necho nimbus-md-user-data-\(UUID().uuidString.prefix(8))"
            let started = Date()
            let (status, body) = try await cloud.request("POST", "/v2.1/servers", [
                "server": ["name": "md-guest", "imageRef": disk, "flavorRef": "1", "networks": [["uuid": net]],
                           "key_name": "md-key", "user_data": Data(userData.utf8).base64EncodedString()] as [String: Any],
            ], headers: Self.microversion)
            try #require(status == 202, "\(body)")
            let id = try #require((body["server"] as? [String: Any])?["id"] as? String)
            var failure: (any Error)?
            do {
                var output = ""
                defer { if !output.contains("NIMBUS-MD-USERDATA-END") { print("guest console: \(output.split(separator: "\n").filter { !$0.contains("GUEST-UP again") }.suffix(60).joined(separator: "\n"))") } }
                try await cloud.waitUntil("the guest prints its metadata", within: 240) {
                    let s = try await cloud.server(id)
                    if s["status"] as? String == "ERROR" { throw GuestError("server went to ERROR: \(s["fault"] ?? "")") }
                    let (st, b) = try await cloud.request("POST", "/v2.1/servers/\(id)/action",
                                                          ["os-getConsoleOutput": [:] as [String: Any]], headers: Self.microversion)
                    output = b["output"] as? String ?? ""
                    return st == 200 && output.contains("NIMBUS-MD-USERDATA-END")
                }
                print(String(format: "real guest metadata over the network: POST to metadata on the console %.2f s",
                             Date().timeIntervalSince(started)))
                let meta = try #require(output.split(separator: "\n").first { $0.hasPrefix("NIMBUS-MD-META ") })
                let json = try #require(try JSONSerialization.jsonObject(
                    with: Data(meta.dropFirst("NIMBUS-MD-META ".count).utf8)) as? [String: Any])
                #expect(json["uuid"] as? String == id)
                #expect(json["name"] as? String == "md-guest")
                #expect(json["public_keys"] as? [String: String] == ["md-key": key])
                let ud = output.components(separatedBy: "NIMBUS-MD-USERDATA-BEGIN\n").last?
                    .components(separatedBy: "\nNIMBUS-MD-USERDATA-END").first
                #expect(ud == userData)
            } catch { failure = error }
            #expect(try await cloud.request("DELETE", "/v2.1/servers/\(id)").0 == 204)
            try await cloud.waitUntil("the server is gone", within: 120) { try await cloud.get("/v2.1/servers/\(id)").0 == 404 }
            #expect(try await TestHTTP.send("DELETE", neutron + "/networks/\(net)", headers: ["X-Auth-Token": token]).status == 204)
            try? FileManager.default.removeItem(atPath: instances)
            if let failure { throw failure }
        }
    }
}
