import Crypto
import Foundation
import NimbusKernelTestKit
import Testing

@Suite struct ImageAPITests {
    static func hex<D: Sequence>(_ d: D) -> String where D.Element == UInt8 { d.map { String(format: "%02x", $0) }.joined() }

    @Test func versionDocuments() async throws {
        try await withHarness(try await ImageHarness.start()) { h in
            let root = try await h.request("GET", "/", token: nil)
            #expect(root.status == 300)
            let versions = root.body["versions"] as? [[String: Any]] ?? []
            #expect(versions.first?["status"] as? String == "CURRENT")
            let href = ((versions.first?["links"] as? [[String: Any]])?.first?["href"] as? String) ?? ""
            #expect(href == h.base + "/v2/")
            #expect(try await h.request("GET", "/versions", token: nil).status == 200)
        }
    }

    @Test func createUploadDownloadRoundTripWithChecksums() async throws {
        try await withHarness(try await ImageHarness.start()) { h in
            let id = try await h.create(["name": "cirros", "disk_format": "qcow2", "container_format": "bare",
                                         "owner_specified.openstack.md5": "x"])
            let queued = try await h.request("GET", "/v2/images/\(id)")
            #expect(queued.body["status"] as? String == "queued")
            #expect(queued.body["visibility"] as? String == "shared")
            #expect(queued.body["owner"] as? String == "p-admin")
            #expect(queued.body["owner_specified.openstack.md5"] as? String == "x")
            #expect(queued.body["file"] as? String == "/v2/images/\(id)/file")
            #expect(try await h.request("GET", "/v2/images/\(id)/file").status == 204)  // no data yet

            // 3 MB of varied bytes, so the body arrives in several chunks.
            let payload = Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 7) })
            let put = try await h.request("PUT", "/v2/images/\(id)/file", data: payload)
            #expect(put.status == 204)
            let active = try await h.request("GET", "/v2/images/\(id)")
            #expect(active.body["status"] as? String == "active")
            #expect(active.body["size"] as? Int == payload.count)
            #expect(active.body["checksum"] as? String == Self.hex(Insecure.MD5.hash(data: payload)))
            #expect(active.body["os_hash_algo"] as? String == "sha512")
            #expect(active.body["os_hash_value"] as? String == Self.hex(SHA512.hash(data: payload)))

            let down = try await h.request("GET", "/v2/images/\(id)/file")
            #expect(down.status == 200)
            #expect(down.raw == payload)
            #expect(down.header("Content-MD5") == active.body["checksum"] as? String)

            // A second upload is refused and changes nothing.
            let again = try await h.request("PUT", "/v2/images/\(id)/file", data: Data("other".utf8))
            #expect(again.status == 409)
            #expect(try await h.request("GET", "/v2/images/\(id)/file").raw == payload)

            #expect(try await h.request("DELETE", "/v2/images/\(id)").status == 204)
            #expect(try await h.request("GET", "/v2/images/\(id)").status == 404)
            #expect(!FileManager.default.fileExists(atPath: h.dataDirectory + "/" + id))
        }
    }

    @Test func oversizedUploadIsRefusedAndTheImageStaysQueued() async throws {
        try await withHarness(try await ImageHarness.start(sizeCap: 1000)) { h in
            let id = try await h.create(["name": "big", "disk_format": "raw", "container_format": "bare"])
            let r = try await h.request("PUT", "/v2/images/\(id)/file", data: Data(count: 5000))
            #expect(r.status == 413)
            #expect(try await h.request("GET", "/v2/images/\(id)").body["status"] as? String == "queued")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: h.dataDirectory)
            #expect(leftovers.isEmpty)
            #expect(try await h.request("PUT", "/v2/images/\(id)/file", data: Data(count: 10)).status == 204)
        }
    }

    @Test func jsonPatchAddReplaceRemove() async throws {
        try await withHarness(try await ImageHarness.start()) { h in
            let id = try await h.create(["name": "a", "tags": ["t1"]])
            let r = try await h.patch(id, [["op": "replace", "path": "/name", "value": "b"],
                                           ["op": "add", "path": "/hw_disk_bus", "value": "virtio"],
                                           ["op": "replace", "path": "/tags", "value": ["t2", "t3"]],
                                           ["op": "add", "path": "/min_ram", "value": 512]])
            #expect(r.status == 200)
            #expect(r.body["name"] as? String == "b")
            #expect(r.body["hw_disk_bus"] as? String == "virtio")
            #expect(r.body["tags"] as? [String] == ["t2", "t3"])
            #expect(r.body["min_ram"] as? Int == 512)
            let removed = try await h.patch(id, [["op": "remove", "path": "/hw_disk_bus"]])
            #expect(removed.body["hw_disk_bus"] == nil)

            // Failures change nothing, even when an earlier operation in the patch was fine.
            let readOnly = try await h.patch(id, [["op": "replace", "path": "/name", "value": "c"],
                                                  ["op": "replace", "path": "/status", "value": "active"]])
            #expect(readOnly.status == 403)
            #expect(try await h.request("GET", "/v2/images/\(id)").body["name"] as? String == "b")
            #expect(try await h.patch(id, [["op": "remove", "path": "/nothing"]]).status == 409)
            #expect(try await h.patch(id, [["op": "replace", "path": "/min_disk", "value": "x"]]).status == 400)
            #expect(try await h.patch(id, [["op": "move", "path": "/name"]]).status == 400)
            #expect(try await h.patch(id, [["op": "add", "path": "/x", "value": 5]]).status == 400)
            let wrongType = try await h.request("PATCH", "/v2/images/\(id)", json: [["op": "replace", "path": "/name", "value": "z"]])
            #expect(wrongType.status == 415)
            #expect(try await h.patch(id, [["op": "replace", "path": "/visibility", "value": "public"]], token: "admin").status == 200)
        }
    }

    @Test func listFiltersPagingAndVisibility() async throws {
        try await withHarness(try await ImageHarness.start(limitDefault: 2)) { h in
            var ids: [String] = []
            for i in 0..<5 { ids.append(try await h.create(["name": "img\(i)", "visibility": i == 0 ? "public" : "private"])) }
            let alices = try await h.create(["name": "mine"], token: "alice")

            let first = try await h.request("GET", "/v2/images")
            #expect((first.body["images"] as? [Any])?.count == 2)
            #expect(first.body["first"] as? String == "/v2/images")
            var seen: [String] = []
            var next = first.body["next"] as? String
            seen += (first.body["images"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            while let n = next {
                let page = try await h.request("GET", n)
                seen += (page.body["images"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                next = page.body["next"] as? String
            }
            #expect(Set(seen) == Set(ids + [alices]))  // admin sees every image, each once
            #expect(seen.count == 6)

            let byName = try await h.request("GET", "/v2/images?name=img3")
            #expect((byName.body["images"] as? [[String: Any]])?.map { $0["id"] as? String } == [ids[3]])
            #expect(byName.body["first"] as? String == "/v2/images?name=img3")
            let byIDs = try await h.request("GET", "/v2/images?id=in:\(ids[1]),\(ids[2])&limit=10")
            #expect((byIDs.body["images"] as? [Any])?.count == 2)
            let publicOnly = try await h.request("GET", "/v2/images?visibility=public&limit=10")
            #expect((publicOnly.body["images"] as? [[String: Any]])?.map { $0["id"] as? String } == [ids[0]])
            let queued = try await h.request("GET", "/v2/images?status=active")
            #expect((queued.body["images"] as? [Any])?.isEmpty == true)

            // A member sees public images and their own; other projects' images are 404 to them.
            let alice = try await h.request("GET", "/v2/images?limit=10", token: "alice")
            #expect(Set((alice.body["images"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }) == [ids[0], alices])
            #expect(try await h.request("GET", "/v2/images/\(ids[1])", token: "alice").status == 404)
            #expect(try await h.request("DELETE", "/v2/images/\(alices)", token: "bob").status == 404)
            #expect(try await h.request("DELETE", "/v2/images/\(ids[0])", token: "alice").status == 403)

            #expect(try await h.request("GET", "/v2/images?limit=x").status == 400)
            #expect(try await h.request("GET", "/v2/images?marker=\(UUID().uuidString)").status == 400)
            #expect(try await h.request("GET", "/v2/images?visibility=weird").status == 400)
        }
    }

    @Test func errorsAndAccess() async throws {
        try await withHarness(try await ImageHarness.start()) { h in
            let noToken = try await h.request("GET", "/v2/images", token: nil)
            #expect(noToken.status == 401)
            #expect(noToken.header("WWW-Authenticate") == "Keystone uri=\"http://127.0.0.1:5000\"")
            #expect(try await h.request("GET", "/v2/images", token: "forged").status == 401)
            #expect(try await h.request("GET", "/v2/images/cirros").status == 404)  // names are looked up by listing
            let bad = try await h.request("POST", "/v2/images", json: ["disk_format": "floppy"])
            #expect(bad.status == 400)
            #expect((bad.body["message"] as? String)?.contains("disk_format") == true)
            #expect(try await h.request("POST", "/v2/images", json: ["status": "active"]).status == 403)
            #expect(try await h.request("POST", "/v2/images", json: ["name": "p", "visibility": "public"], token: "alice").status == 403)
            let malformed = try await h.request("POST", "/v2/images", data: Data("{oops".utf8), contentType: "application/json")
            #expect(malformed.status == 400)
            let list = try await h.request("GET", "/v2/images")
            #expect((list.body["images"] as? [Any])?.isEmpty == true)  // nothing half-created

            let id = try await h.create(["name": "keep", "protected": true])
            #expect(try await h.request("DELETE", "/v2/images/\(id)").status == 403)
            #expect(try await h.request("PUT", "/v2/images/\(id)/tags/web").status == 204)
            #expect(try await h.request("GET", "/v2/images?tag=web").body["images"].map { ($0 as? [Any])?.count } == 1)
            #expect(try await h.request("DELETE", "/v2/images/\(id)/tags/web").status == 204)
            #expect(try await h.request("PUT", "/v2/images/\(id)/file", data: Data("x".utf8), contentType: "text/plain").status == 415)

            // Hidden images are listed only with os_hidden=true (which lists only them), as Glance does.
            let hidden = try await h.create(["name": "hidden", "os_hidden": true])
            let visible = try await h.request("GET", "/v2/images").body["images"] as? [[String: Any]] ?? []
            #expect(visible.map { $0["id"] as? String } == [id])
            let onlyHidden = try await h.request("GET", "/v2/images?os_hidden=true").body["images"] as? [[String: Any]] ?? []
            #expect(onlyHidden.map { $0["id"] as? String } == [hidden])
            #expect(try await h.request("GET", "/v2/images/\(hidden)").status == 200)
        }
    }
}
