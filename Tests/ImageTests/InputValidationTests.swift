import Foundation
import NimbusKernelTestKit
import Testing

/// NUL and control characters, Glance's property and tag quotas, the member_status filter and parser
/// errors: each refused in Glance's error body, with nothing stored.
@Suite struct ImageInputValidationTests {
    static func isGlance(_ r: ImageHarness.Reply, _ status: Int) -> Bool {
        r.status == status && (r.body["code"] as? String)?.hasPrefix("\(status)") == true && r.body["message"] is String
    }

    static func count(_ h: ImageHarness) async throws -> Int {
        (try await h.request("GET", "/v2/images?limit=100").body["images"] as? [Any])?.count ?? -1
    }

    @Test func nulAndControlCharactersAreRefused() async throws {
        try await withHarness(try await ImageHarness.start()) { h in
            // Was 201 with the name stored as "a".
            for body: [String: Any] in [["name": "a\u{0}b"], ["name": "ok", "hw_disk_bus": "vir\u{0}tio"], ["name": "ok", "k\u{0}": "v"],
                                        ["name": "ok", "tags": ["t\u{0}"]], ["name": "tab\there"], ["name": "bell\u{7}"]] {
                let r = try await h.request("POST", "/v2/images", json: body)
                #expect(Self.isGlance(r, 400), "\(body): \(r.status)")
            }
            #expect(try await Self.count(h) == 0)
            let id = try await h.create(["name": "ünï 😀", "description": "two\nlines"])  // printable Unicode is fine
            let patched = try await h.patch(id, [["op": "replace", "path": "/name", "value": "x\u{0}"]])
            #expect(Self.isGlance(patched, 400))
            #expect(try await h.request("GET", "/v2/images/\(id)").body["name"] as? String == "ünï 😀")
            for path in ["/v2/images?name=a%00b", "/v2/images/\(id)%00", "/v2/images?tag=%00"] {
                #expect(Self.isGlance(try await h.request("GET", path), 400), "\(path)")
            }
            #expect(Self.isGlance(try await h.request("PUT", "/v2/images/\(id)/tags/a%00b"), 400))
            #expect(try await h.request("GET", "/v2/images/\(id)").body["tags"] as? [String] == [])
        }
    }

    @Test func propertyAndTagQuotasAreGlances() async throws {
        try await withHarness(try await ImageHarness.start()) { h in
            var props: [String: Any] = ["name": "many"]
            for i in 0..<1000 { props["p\(i)"] = "v" }
            let tooMany = try await h.request("POST", "/v2/images", json: props)  // was 201
            #expect(Self.isGlance(tooMany, 413))
            #expect((tooMany.body["message"] as? String)?.hasSuffix("Attempted: 1000, Maximum: 128") == true)
            #expect(try await Self.count(h) == 0)

            var atQuota: [String: Any] = ["name": "full"]
            for i in 0..<128 { atQuota["p\(i)"] = "v" }
            let id = try await h.create(atQuota)
            let oneMore = try await h.patch(id, [["op": "add", "path": "/p128", "value": "v"]])
            #expect(Self.isGlance(oneMore, 413))
            #expect((oneMore.body["message"] as? String)?.hasSuffix("Attempted: 129, Maximum: 128") == true)
            #expect(try await h.request("GET", "/v2/images/\(id)").body["p128"] == nil)
            // Replacing one at the quota is fine; so is removing.
            #expect(try await h.patch(id, [["op": "replace", "path": "/p0", "value": "w"]]).status == 200)
            #expect(try await h.patch(id, [["op": "remove", "path": "/p0"], ["op": "add", "path": "/q", "value": "v"]]).status == 200)

            let tags = (0..<129).map { "t\($0)" }
            #expect(Self.isGlance(try await h.request("POST", "/v2/images", json: ["name": "tags", "tags": tags]), 413))
            let tagged = try await h.create(["name": "tags", "tags": Array(tags.prefix(128))])
            let extra = try await h.request("PUT", "/v2/images/\(tagged)/tags/one-more")
            #expect(Self.isGlance(extra, 413))
            #expect((extra.body["message"] as? String)?.contains("image tags. Attempted: 129, Maximum: 128") == true)
        }
    }

    @Test func memberStatusFilterIsValidated() async throws {
        try await withHarness(try await ImageHarness.start()) { h in
            let bad = try await h.request("GET", "/v2/images?member_status=x")  // was 200
            #expect(Self.isGlance(bad, 400) && bad.body["message"] as? String == "Invalid status: x")
            for s in ["accepted", "pending", "rejected", "all"] {
                #expect(try await h.request("GET", "/v2/images?member_status=\(s)").status == 200)
            }
        }
    }

    @Test func parserErrorsHaveGlanceBodies() async throws {
        try await withHarness(try await ImageHarness.start()) { h in
            for body in ["{oops", "", "[]", "\"name\""] {
                let r = try await h.request("POST", "/v2/images", data: Data(body.utf8), contentType: "application/json")
                #expect(Self.isGlance(r, 400), "\(body): \(r.status) \(String(decoding: r.raw, as: UTF8.self))")
            }
            let id = try await h.create(["name": "p"])
            let wrongType = try await h.request("PATCH", "/v2/images/\(id)", json: [["op": "replace", "path": "/name", "value": "z"]])
            #expect(Self.isGlance(wrongType, 415))
            let notAList = try await h.request("PATCH", "/v2/images/\(id)", data: Data("{}".utf8), contentType: ImageRoleMatrixTests.patch)
            #expect(Self.isGlance(notAList, 400))
            let big = try await h.request("POST", "/v2/images", data: Data(("{\"name\": \"" + String(repeating: "x", count: 70_000) + "\"}").utf8),
                                          contentType: "application/json")
            #expect(Self.isGlance(big, 413))
        }
    }
}
