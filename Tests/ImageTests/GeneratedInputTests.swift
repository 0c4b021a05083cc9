import Foundation
import NimbusKernelTestKit
import Testing

/// A few hundred generated requests over every Image route that reads a body, a path segment or a query
/// (fixed seed, so every run sends the same ones): never a 5xx, every 4xx in Glance's error body, and the
/// service still answers afterwards.
@Suite struct ImageGeneratedInputTests {
    typealias Gen = (inout BodyGenerator) -> String

    /// The usual fields; now and then also those only some callers may set (id, owner, public visibility).
    static func image(_ g: inout BodyGenerator) -> String {
        var fields: [(String, Gen)] = [
            ("name", { $0.string() }), ("disk_format", { $0.pick(["\"raw\"", "\"qcow2\"", $0.string()]) }),
            ("container_format", { $0.pick(["\"bare\"", $0.string()]) }), ("min_ram", { $0.pick(["0", "512", $0.number()]) }),
            ("tags", { g in "[" + (0..<3).map { _ in g.string() }.joined(separator: ",") + "]" }), ("hw_disk_bus", { $0.string() }),
        ]
        if g.chance(25) {
            fields += [("visibility", { $0.pick(["\"private\"", "\"shared\"", "\"public\"", $0.string()]) }),
                       ("protected", { $0.pick(["true", "false"]) }), ("os_hidden", { $0.value() }), ("owner", { $0.string() }),
                       ("id", { $0.pick(["\"6f1e2d3c-0000-4000-8000-00000000000a\"", $0.string()]) })]
        }
        return g.object(fields)
    }

    static func patch(_ g: inout BodyGenerator) -> String {
        "[" + (0..<Int.random(in: 0...3, using: &g.rng)).map { _ in
            g.object([("op", { $0.pick(["\"add\"", "\"replace\"", "\"remove\"", $0.string()]) }),
                      ("path", { $0.pick(["\"/name\"", "\"/min_ram\"", "\"/tags\"", "\"/hw_x\"", "\"/a/b\"", "\"/status\"", $0.string()]) }),
                      ("value", { $0.value() })])
        }.joined(separator: ",") + "]"
    }

    @Test func generatedInputNeverFailsTheServer() async throws {
        try await withHarness(try await ImageHarness.start()) { h in
            var g = BodyGenerator(seed: 0x61A2_CE5)
            var statuses: [Int: Int] = [:]
            let target = try await h.create(["name": "target"], token: "alice")
            for i in 0..<360 {
                let token = g.pick(["admin", "alice", "carol", "bob"])
                let r: ImageHarness.Reply
                let what: String
                switch i % 4 {
                case 0:
                    let body = g.body(key: nil, Self.image)
                    what = "POST /v2/images " + String(decoding: body.prefix(200), as: UTF8.self)
                    r = try await h.request("POST", "/v2/images", data: body, token: token, contentType: "application/json")
                case 1:
                    let body = g.body(key: nil, Self.patch)
                    what = "PATCH " + String(decoding: body.prefix(200), as: UTF8.self)
                    r = try await h.request("PATCH", "/v2/images/\(target)", data: body, token: token,
                                            contentType: g.chance(90) ? ImageRoleMatrixTests.patch : "application/json")
                case 2:
                    let part = g.urlPart()
                    let path = g.pick(["/v2/images/\(part)", "/v2/images/\(target)/tags/\(part)", "/v2/images/\(part)/file",
                                       "/v2/images/\(part)/actions/deactivate"])
                    let method = g.pick(["GET", "PUT", "DELETE", "POST"])
                    what = "\(method) \(path)"
                    r = try await h.request(method, path, token: token)
                default:
                    let (k, v) = (g.pick(["name", "limit", "marker", "visibility", "member_status", "size_min", "size_max", "id", "tag",
                                          "sort_key", "sort_dir", "os_hidden", "status", "owner"]), g.urlPart())
                    what = "GET ?\(k)=\(v)"
                    r = try await h.request("GET", "/v2/images?\(k)=\(v)&limit=\(g.pick(["5", "-1", "x", "99999999999999999999"]))",
                                            token: token)
                }
                statuses[r.status, default: 0] += 1
                #expect(r.status < 500, "\(r.status) for \(what)")
                if (400..<500).contains(r.status) {
                    #expect((r.body["code"] as? String)?.hasPrefix("\(r.status)") == true && r.body["message"] is String,
                            "\(r.status) without Glance's error body for \(what): \(String(decoding: r.raw.prefix(200), as: UTF8.self))")
                }
            }
            #expect(statuses.keys.contains { (200..<300).contains($0) } && statuses[400, default: 0] > 50, "\(statuses)")
            #expect(try await h.request("GET", "/v2/images/\(target)", token: "alice").status == 200)
        }
    }
}
