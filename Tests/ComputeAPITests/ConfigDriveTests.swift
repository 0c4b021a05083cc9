import Foundation
import NimbusKernelTestKit
import NimbusTestCloud
import Testing

/// `config_drive: true` and `[DEFAULT] force_config_drive` over the API: the compute builds the ISO from the
/// instance's documents, the fake driver records it on the console, the server shows `config_drive`.
@Suite struct ConfigDriveTests {
    static func isoinfo(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["isoinfo"] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw TestFailure("isoinfo \(args) exited \(p.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }

    /// The drive's path as the fake guest printed it ("Config drive: <path> (<n> bytes)").
    static func drivePath(_ cloud: Cloud, _ id: String) async throws -> String? {
        let r = try await cloud.call("POST", "/v2.1/servers/\(id)/action", ["os-getConsoleOutput": [:] as [String: Any]],
                                     version: "2.100")
        let output = r["output"] as? String ?? ""
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("Config drive: ") }) else { return nil }
        return line.dropFirst("Config drive: ".count).components(separatedBy: " (").first
    }

    @Test func configDriveAtCreateCarriesTheInstancesDocuments() async throws {
        try await Cloud.with(hosts: 1) { cloud in
            let userData = "#!/bin/sh\necho config-drive\n"
            let ids = try await cloud.boot("cd", extra: ["config_drive": true,
                                                          "user_data": Data(userData.utf8).base64EncodedString()])
            let id = try #require(ids.first)
            try await cloud.waitFor(id, status: "ACTIVE")
            #expect(try await cloud.server(id)["config_drive"] as? String == "True")
            let path = try #require(try await Self.drivePath(cloud, id))
            #expect(try Self.isoinfo(["-d", "-i", path]).contains("Volume id: config-2"))
            let md = try #require(try JSONSerialization.jsonObject(with: Data(
                Self.isoinfo(["-R", "-i", path, "-x", "/openstack/latest/meta_data.json"]).utf8)) as? [String: Any])
            #expect(md["uuid"] as? String == id && md["name"] as? String == "cd")
            #expect(try Self.isoinfo(["-R", "-i", path, "-x", "/openstack/latest/user_data"]) == userData)

            // Without config_drive there is no drive; deleting the server removes its drive.
            let plain = try #require(try await cloud.boot("nocd").first)
            try await cloud.waitFor(plain, status: "ACTIVE")
            #expect(try await cloud.server(plain)["config_drive"] as? String == "")
            #expect(try await Self.drivePath(cloud, plain) == nil)
            #expect(try await cloud.call("DELETE", "/v2.1/servers/\(id)").status == 204)
            try await cloud.waitUntil("the drive is removed") { !FileManager.default.fileExists(atPath: path) }
        }
    }

    @Test func forceConfigDriveGivesEveryNewInstanceOne() async throws {
        try await Cloud.with(hosts: 1, ["DEFAULT.force_config_drive": "true"]) { cloud in
            let id = try #require(try await cloud.boot("forced").first)
            try await cloud.waitFor(id, status: "ACTIVE")
            #expect(try await cloud.server(id)["config_drive"] as? String == "True")
            let path = try #require(try await Self.drivePath(cloud, id))
            #expect(try Self.isoinfo(["-R", "-f", "-i", path]).contains("/openstack/latest/meta_data.json"))
        }
    }

    @Test func configDriveMustBeABoolean() async throws {
        try await Cloud.with(hosts: 1) { cloud in
            let r = try await cloud.call("POST", "/v2.1/servers", ["server": [
                "name": "bad", "imageRef": "cirros", "flavorRef": "1", "networks": "none", "config_drive": "maybe",
            ] as [String: Any]], version: "2.100")
            #expect(r.status == 400, "\(r.body)")
        }
    }
}
