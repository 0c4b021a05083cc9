import Foundation
import MetadataDocuments
import NimbusKernelTestKit
import NimbusMetadata
import NimbusStore
import Testing

/// The metadata service over real HTTP: identification by source address and by Neutron's signed headers,
/// Nova's version lists and EC2 keys, user data and the guest password.
@Suite struct MetadataServiceTests {
    @Test func versionListsAreNovas() async throws {
        try await withHarness(try await MetadataHarness.start()) { h in
            try await h.instance("a", ip: "127.0.0.1")
            let root = try await h.get("/", from: "127.0.0.9")  // nobody needs to be identified for `/`
            #expect(root.status == 200)
            #expect(root.text == "1.0\n2007-01-19\n2007-03-01\n2007-08-29\n2007-10-10\n2007-12-15\n2008-02-01\n2008-09-01\n2009-04-04\nlatest")
            let os = try await h.get("/openstack")
            #expect(os.text == "2012-08-10\n2013-04-04\n2013-10-17\n2015-10-15\n2016-06-30\n2016-10-06\n2017-02-22\n2018-08-27\n2020-10-14\n2025-04-04\nlatest")
            // Versions dated after today are hidden (Nova compares the dates as text).
            let day = ISO8601DateFormatter().date(from: "2016-07-01T00:00:00Z")!
            #expect(MetadataVersions.openstackListing(today: day).suffix(3) == ["2015-10-15", "2016-06-30", "latest"])
            #expect(try await h.get("/openstack/latest/").text == "meta_data.json\npassword\nvendor_data.json\nnetwork_data.json\nvendor_data2.json")
            #expect(try await h.get("/openstack/2012-08-10").text == "meta_data.json")
            #expect(try await h.get("/openstack/2099-01-01/meta_data.json").status == 404)
            #expect(try await h.get("/2009-04-04").text == "meta-data/")
        }
    }

    @Test func ec2TreeKeysAreNovas() async throws {
        try await withHarness(try await MetadataHarness.start()) { h in
            let uuid = try await h.instance("vm1", ip: "127.0.0.1", key: "k1", userData: Data("#!/bin/sh\necho hi\n".utf8))
            let md = try await h.get("/latest/meta-data/")
            #expect(md.status == 200)
            #expect(md.headers["content-type"]?.hasPrefix("text/plain") == true)
            #expect(md.text.split(separator: "\n") == [
                "ami-id", "ami-launch-index", "ami-manifest-path", "block-device-mapping/", "hostname", "instance-action",
                "instance-id", "instance-type", "local-hostname", "local-ipv4", "placement/", "public-hostname",
                "public-ipv4", "public-keys/", "reservation-id", "security-groups"])
            #expect(try await h.get("/latest/meta-data/hostname").text == "vm1.novalocal")
            #expect(try await h.get("/latest/meta-data/local-ipv4").text == "127.0.0.1")
            #expect(try await h.get("/latest/meta-data/instance-type").text == "m1.tiny")
            #expect(try await h.get("/latest/meta-data/instance-id").text == "i-" + uuid.uuidString.lowercased().prefix(8))
            #expect(try await h.get("/latest/meta-data/placement/availability-zone").text == "nova")
            #expect(try await h.get("/latest/meta-data/block-device-mapping").text == "ami\nroot")
            #expect(try await h.get("/latest/meta-data/public-keys/").text == "0=k1")
            #expect(try await h.get("/latest/meta-data/public-keys/0").text == "openssh-key")
            #expect(try await h.get("/latest/meta-data/public-keys/0/openssh-key").text == "ssh-ed25519 AAAAvm1 vm1@test")
            #expect(try await h.get("/latest/user-data").text == "#!/bin/sh\necho hi\n")
            #expect(try await h.get("/ec2/2009-04-04/meta-data/instance-action").text == "none")
            #expect(try await h.get("/latest").text == "meta-data/\nuser-data")
            // Older versions lack later keys.
            let old = try await h.get("/1.0/meta-data/").text.split(separator: "\n")
            #expect(!old.contains("instance-type") && !old.contains("placement/") && old.contains("instance-id"))
            #expect(try await h.get("/latest/meta-data/nope").status == 404)
            #expect(try await h.get("/2001-01-01/meta-data/").status == 404)
        }
    }

    @Test func metaDataJSONAndUserDataRoundTrip() async throws {
        try await withHarness(try await MetadataHarness.start()) { h in
            let bytes = Data([0x23, 0x21, 0x00, 0xFF, 0x0A] + Array("cloud-config".utf8))
            let uuid = try await h.instance("web", ip: "127.0.0.1", key: "k", userData: bytes, meta: ["role": "db"])
            let r = try await h.get("/openstack/latest/meta_data.json")
            #expect(r.status == 200)
            #expect(r.headers["content-type"] == "application/json")
            let md = r.json
            #expect(md["uuid"] as? String == uuid.uuidString.lowercased())
            #expect(md["name"] as? String == "web")
            #expect(md["hostname"] as? String == "web.novalocal")
            #expect(md["project_id"] as? String == "p-demo")
            #expect(md["availability_zone"] as? String == "nova")
            #expect(md["launch_index"] as? Int == 0)
            #expect(md["meta"] as? [String: String] == ["role": "db"])
            #expect(md["public_keys"] as? [String: String] == ["k": "ssh-ed25519 AAAAweb web@test"])
            #expect((md["keys"] as? [[String: String]])?.first == ["name": "k", "type": "ssh", "data": "ssh-ed25519 AAAAweb web@test"])
            #expect(md["devices"] as? [Any] != nil)
            #expect(md["admin_pass"] == nil)  // only ever on the config drive
            #expect((md["random_seed"] as? String).flatMap { Data(base64Encoded: $0) }?.count == 512)
            #expect(try await h.get("/openstack/2012-08-10/meta_data.json").json["project_id"] == nil)
            let ud = try await h.get("/openstack/latest/user_data")
            #expect(ud.status == 200 && ud.body == bytes)
            #expect(try await h.get("/openstack/latest").text.contains("user_data"))

            try await h.instance("plain", ip: "127.0.0.2")
            #expect(try await h.get("/openstack/latest/user_data", from: "127.0.0.2").status == 404)
            #expect(try await h.get("/latest/user-data", from: "127.0.0.2").status == 404)
            #expect(!(try await h.get("/openstack/latest", from: "127.0.0.2").text.contains("user_data")))
            #expect(try await h.get("/openstack/latest/meta_data.json", from: "127.0.0.2").json["public_keys"] == nil)
            #expect(try await h.get("/openstack/latest/vendor_data.json").json.isEmpty)
            #expect(try await h.get("/openstack/latest/vendor_data2.json").text == #"{"static":{}}"#)
        }
    }

    @Test func networkDataFromThePorts() async throws {
        try await withHarness(try await MetadataHarness.start()) { h in
            let uuid = try await h.instance("net", ip: "127.0.0.1")
            let port = try #require(try await h.store.ports(deviceID: uuid.uuidString.lowercased()).first)
            let nd = try await h.get("/openstack/latest/network_data.json").json
            let link = try #require((nd["links"] as? [[String: Any]])?.first)
            #expect(link["id"] as? String == "tap" + port.id.prefix(11))
            #expect(link["vif_id"] as? String == port.id)
            #expect(link["type"] as? String == "bridge")
            #expect(link["ethernet_mac_address"] as? String == port.macAddress)
            #expect(link["mtu"] is NSNull)  // DHCP on the subnet: the guest learns the MTU from it
            let net = try #require((nd["networks"] as? [[String: Any]])?.first)
            #expect(net["type"] as? String == "ipv4_dhcp" && net["link"] as? String == link["id"] as? String)
            #expect(net["network_id"] as? String == h.networkID && net["ip_address"] == nil)
            #expect((nd["services"] as? [[String: String]]) == [["type": "dns", "address": "192.0.2.53"]])
        }
    }

    @Test func eachInstanceSeesOnlyItsOwnData() async throws {
        try await withHarness(try await MetadataHarness.start()) { h in
            let a = try await h.instance("a", ip: "127.0.0.1", key: "ka", userData: Data("A".utf8))
            let b = try await h.instance("b", ip: "127.0.0.2", project: "p-other", key: "kb", userData: Data("B".utf8))
            for _ in 0..<2 {  // the second round is served from the per-address cache
                #expect(try await h.get("/openstack/latest/meta_data.json", from: "127.0.0.1").json["uuid"] as? String == a.uuidString.lowercased())
                #expect(try await h.get("/openstack/latest/meta_data.json", from: "127.0.0.2").json["uuid"] as? String == b.uuidString.lowercased())
                #expect(try await h.get("/latest/user-data", from: "127.0.0.1").text == "A")
                #expect(try await h.get("/latest/user-data", from: "127.0.0.2").text == "B")
                #expect(try await h.get("/latest/meta-data/public-keys/0/openssh-key", from: "127.0.0.2").text.contains("AAAAb"))
            }
            // An address no port holds, and an instance without a port, are nobody.
            try await h.instance("portless", ip: nil)
            let unknown = try await h.get("/openstack/latest/meta_data.json", from: "127.0.0.3")
            #expect(unknown.status == 404)
            #expect(!unknown.text.contains("uuid"))
            #expect(try await h.get("/latest/meta-data/", from: "127.0.0.3").status == 404)
        }
    }

    @Test func passwordIsPostedOnceAndReadBack() async throws {
        try await withHarness(try await MetadataHarness.start()) { h in
            let uuid = try await h.instance("pw", ip: "127.0.0.1")
            #expect(try await h.get("/openstack/latest/password").text == "")
            #expect(try await h.get("/openstack/2012-08-10/password").status == 404)  // before 2013-04-04
            let secret = String(repeating: "x", count: 1020)
            #expect(try await h.get("/openstack/latest/password", method: "POST", body: Data(secret.utf8)).status == 200)
            #expect(try await h.get("/openstack/latest/password").text == secret)
            #expect(try await h.store.instancePassword(uuid) == secret)
            #expect(try await h.get("/openstack/latest/password", method: "POST", body: Data("again".utf8)).status == 409)
            #expect(try await h.get("/openstack/latest/password", method: "PUT", body: Data("x".utf8)).status == 400)
            try await h.instance("pw2", ip: "127.0.0.2")
            let big = try await h.get("/openstack/latest/password", from: "127.0.0.2", method: "POST",
                                body: Data(String(repeating: "y", count: 1021).utf8))
            #expect(big.status == 400)
            #expect(big.text.contains("Request is too large."))
            #expect(try await h.get("/openstack/latest/password", from: "127.0.0.2").text == "")
        }
    }
}
