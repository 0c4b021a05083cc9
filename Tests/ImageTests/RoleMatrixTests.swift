import Foundation
import NimbusKernelTestKit
import Testing

/// Every Image write (and the reads next to them) × reader, member, member of another project and admin,
/// against Glance's default policies: reader read-only; member writes its own project's images; another
/// project's private image is 404; admin does everything. A refusal leaves the image as it was.
@Suite struct ImageRoleMatrixTests {
    enum Target { case none, queued, active, deactivated, tagged, publicImage }

    struct Row {
        var name: String
        var method: String
        var path: String  // appended to /v2/images/{id} (or /v2/images for .none)
        var target: Target
        /// reader (carol), member (alice), outsider (bob), admin
        var expected: [Int]
        var json: Any? = nil
        var data: Data? = nil
        var contentType: String? = nil
    }

    static let patch = "application/openstack-images-v2.1-json-patch"
    static let callers = ["carol", "alice", "bob", "admin"]

    static var rows: [Row] { [
        Row(name: "create", method: "POST", path: "", target: .none, expected: [403, 201, 201, 201], json: ["name": "new"]),
        Row(name: "update", method: "PATCH", path: "", target: .queued, expected: [403, 200, 404, 200],
            json: [["op": "replace", "path": "/name", "value": "changed"]], contentType: patch),
        Row(name: "delete", method: "DELETE", path: "", target: .queued, expected: [403, 204, 404, 204]),
        Row(name: "upload", method: "PUT", path: "/file", target: .queued, expected: [403, 204, 404, 204], data: Data("bits".utf8)),
        Row(name: "add tag", method: "PUT", path: "/tags/blue", target: .queued, expected: [403, 204, 404, 204]),
        Row(name: "remove tag", method: "DELETE", path: "/tags/red", target: .tagged, expected: [403, 204, 404, 204]),
        Row(name: "deactivate", method: "POST", path: "/actions/deactivate", target: .active, expected: [403, 204, 404, 204]),
        Row(name: "reactivate", method: "POST", path: "/actions/reactivate", target: .deactivated, expected: [403, 204, 404, 204]),
        // Another project's public image: everyone sees it, only admin changes it.
        Row(name: "update public", method: "PATCH", path: "", target: .publicImage, expected: [403, 403, 403, 200],
            json: [["op": "replace", "path": "/name", "value": "changed"]], contentType: patch),
        Row(name: "delete public", method: "DELETE", path: "", target: .publicImage, expected: [403, 403, 403, 204]),
        Row(name: "tag public", method: "PUT", path: "/tags/blue", target: .publicImage, expected: [403, 403, 403, 204]),
        // Reads: readers read; data needs member, as Glance's download_image says.
        Row(name: "show", method: "GET", path: "", target: .active, expected: [200, 200, 404, 200]),
        Row(name: "download", method: "GET", path: "/file", target: .active, expected: [403, 200, 404, 200]),
        Row(name: "list", method: "GET", path: "", target: .none, expected: [200, 200, 200, 200]),
    ] }

    /// A fresh image for one cell of the matrix: owned by p-demo (alice's and carol's project) unless public.
    static func make(_ h: ImageHarness, _ t: Target) async throws -> String? {
        switch t {
        case .none: return nil
        case .publicImage: return try await h.create(["name": "pub", "visibility": "public"], token: "admin")
        default: break
        }
        let id = try await h.create(["name": "img", "disk_format": "raw", "container_format": "bare",
                                     "tags": t == .tagged ? ["red"] : []], token: "alice")
        if t == .active || t == .deactivated {
            #expect(try await h.request("PUT", "/v2/images/\(id)/file", data: Data("x".utf8), token: "alice").status == 204)
        }
        if t == .deactivated {
            #expect(try await h.request("POST", "/v2/images/\(id)/actions/deactivate", token: "alice").status == 204)
        }
        return id
    }

    @Test func everyRouteByRole() async throws {
        try await withHarness(try await ImageHarness.start()) { h in
            for row in Self.rows {
                for (caller, expected) in zip(Self.callers, row.expected) {
                    let id = try await Self.make(h, row.target)
                    let path = id.map { "/v2/images/\($0)" + row.path } ?? "/v2/images"
                    // Compared as parsed JSON: object keys come in no fixed order.
                    var before: NSDictionary? = nil
                    if let id { before = NSDictionary(dictionary: try await h.request("GET", "/v2/images/\(id)", token: "admin").body) }
                    let r = try await h.request(row.method, path, json: row.json, data: row.data, token: caller,
                                                contentType: row.contentType)
                    #expect(r.status == expected, "\(row.name) as \(caller): \(r.status) \(String(decoding: r.raw, as: UTF8.self))")
                    guard r.status >= 400 else { continue }
                    #expect((r.body["code"] as? String)?.hasPrefix("\(expected)") == true && r.body["message"] is String)
                    if let id {  // nothing changed
                        let after = NSDictionary(dictionary: try await h.request("GET", "/v2/images/\(id)", token: "admin").body)
                        #expect(after == before, "\(row.name) as \(caller)")
                    }
                }
            }
            // The reader's refused create left no image behind: only alice's, bob's and admin's "new".
            let all = try await h.request("GET", "/v2/images?name=new&limit=100", token: "admin").body["images"] as? [[String: Any]]
            #expect(Set((all ?? []).compactMap { $0["owner"] as? String }) == ["p-demo", "p-other", "p-admin"])
            #expect(all?.count == 3)
        }
    }

    /// A token with a role that is none of reader, member, admin reads nothing (Glance's reader checks).
    @Test func noKnownRoleReadsNothing() async throws {
        try await withHarness(try await ImageHarness.start()) { h in
            let id = try await h.create(["name": "pub", "visibility": "public"], token: "admin")
            #expect(try await h.request("GET", "/v2/images", token: "svc").status == 403)
            #expect(try await h.request("GET", "/v2/images/\(id)", token: "svc").status == 404)
            #expect(try await h.request("POST", "/v2/images", json: ["name": "x"], token: "svc").status == 403)
        }
    }
}
