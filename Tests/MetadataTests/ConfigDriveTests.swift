import Foundation
@testable import MetadataDocuments
import Testing

/// The config drive image: ISO 9660 labelled config-2 with Nova's layout, read back with isoinfo.
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
        guard p.terminationStatus == 0 else { throw RawError("isoinfo \(args) exited \(p.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }

    static func source() -> MetadataSource {
        MetadataSource(
            uuid: UUID(), name: "cd", hostname: "cd.novalocal", projectID: "p-demo", availabilityZone: "nova",
            meta: ["k": "v"], userData: Data("#cloud-config\nruncmd: [echo hi]\n".utf8),
            keys: [.init(name: "key1", type: "ssh", data: "ssh-ed25519 AAAAcd cd@test")], flavorName: "m1.tiny",
            vifs: [.init(portID: "cd9f6d46-4a3a-43ab-a466-994af9db96fc", macAddress: "fa:16:3e:00:00:01",
                         networkID: "net-1", mtu: 1450, vifType: "bridge",
                         subnets: [.init(ipVersion: 4, cidr: "10.0.0.0/24", gateway: "10.0.0.1", dhcp: false,
                                         dnsNameservers: ["10.0.0.2"], ips: ["10.0.0.5"])])],
            adminPass: "s3cret")
    }

    @Test func theISOIsLabelledConfig2WithNovasLayout() async throws {
        let s = Self.source()
        let path = NSTemporaryDirectory() + "nimbus-cd-\(UUID().uuidString.prefix(8))/disk.config"
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        try await ConfigDrive.makeISO(s, at: path)
        #expect(try Self.isoinfo(["-d", "-i", path]).contains("Volume id: config-2"))
        let listing = Set(try Self.isoinfo(["-R", "-f", "-i", path]).split(separator: "\n").map(String.init))
        for f in ["/openstack/latest/meta_data.json", "/openstack/latest/user_data", "/openstack/latest/network_data.json",
                  "/openstack/latest/vendor_data.json", "/openstack/latest/vendor_data2.json",
                  "/openstack/2012-08-10/meta_data.json", "/openstack/2025-04-04/vendor_data2.json",
                  "/ec2/2009-04-04/meta-data.json", "/ec2/latest/meta-data.json", "/ec2/latest/user-data"] {
            #expect(listing.contains(f), "\(f) missing from \(listing.sorted())")
        }
        #expect(!listing.contains { $0.hasSuffix("/password") })  // never on the drive
        #expect(!listing.contains("/openstack/2012-08-10/network_data.json"))  // from 2015-10-15
        #expect(!listing.contains("/ec2/1.0/meta-data.json"))  // skipped versions
        let md = try #require(try JSONSerialization.jsonObject(with: Data(
            Self.isoinfo(["-R", "-i", path, "-x", "/openstack/latest/meta_data.json"]).utf8)) as? [String: Any])
        #expect(md["uuid"] as? String == s.uuid.uuidString.lowercased())
        #expect(md["admin_pass"] as? String == "s3cret")  // the drive carries it; the service never does
        #expect(md["public_keys"] as? [String: String] == ["key1": "ssh-ed25519 AAAAcd cd@test"])
        #expect(try Self.isoinfo(["-R", "-i", path, "-x", "/openstack/latest/user_data"]) == "#cloud-config\nruncmd: [echo hi]\n")
        let nd = try #require(try JSONSerialization.jsonObject(with: Data(
            Self.isoinfo(["-R", "-i", path, "-x", "/openstack/latest/network_data.json"]).utf8)) as? [String: Any])
        let net = try #require((nd["networks"] as? [[String: Any]])?.first)
        #expect(net["type"] as? String == "ipv4" && net["ip_address"] as? String == "10.0.0.5")
        #expect(net["netmask"] as? String == "255.255.255.0")
        let ec2 = try #require(try JSONSerialization.jsonObject(with: Data(
            Self.isoinfo(["-R", "-i", path, "-x", "/ec2/latest/meta-data.json"]).utf8)) as? [String: Any])
        #expect(ec2["hostname"] as? String == "cd.novalocal" && ec2["local-ipv4"] as? String == "10.0.0.5")
    }

    @Test func aMissingToolIsAnErrorNotACrash() async {
        await #expect(throws: (any Error).self) {
            try await ConfigDrive.makeISO(Self.source(), at: NSTemporaryDirectory() + "nimbus-cd-x/disk.config",
                                          mkisofs: "nimbus-no-such-mkisofs")
        }
    }

    @Test func netmasks() {
        #expect(Netmask.of(cidr: "10.0.0.0/8") == "255.0.0.0")
        #expect(Netmask.of(cidr: "192.168.1.0/26") == "255.255.255.192")
        #expect(Netmask.of(cidr: "fd00::/64") == "ffff:ffff:ffff:ffff::")
        #expect(Netmask.of(cidr: "fd00::/128") == "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
        #expect(Netmask.of(cidr: "10.0.0.0/33") == nil)
    }
}
