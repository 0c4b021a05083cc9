import Foundation
import NimbusKernelTestKit
import Testing

/// `openstack image set --deactivate / --activate` post to the actions routes; they answered 404 and the
/// CLI reported success while the image stayed active.
@Suite struct ImageActionTests {
    @Test func deactivateAndReactivate() async throws {
        try await withHarness(try await ImageHarness.start()) { h in
            let id = try await h.create(["name": "img", "disk_format": "raw", "container_format": "bare"], token: "alice")
            // Only an active image may be deactivated (Glance: 403 naming the status).
            let queued = try await h.request("POST", "/v2/images/\(id)/actions/deactivate", token: "alice")
            #expect(queued.status == 403 && String(decoding: queued.raw, as: UTF8.self).contains("status 'queued'"))
            #expect(try await h.request("PUT", "/v2/images/\(id)/file", data: Data("bytes".utf8), token: "alice").status == 204)

            // Another project cannot see the image at all; the owner deactivates (204, twice is a no-op).
            #expect(try await h.request("POST", "/v2/images/\(id)/actions/deactivate", token: "bob").status == 404)
            for _ in 0..<2 {
                #expect(try await h.request("POST", "/v2/images/\(id)/actions/deactivate", token: "alice").status == 204)
            }
            #expect(try await h.request("GET", "/v2/images/\(id)", token: "alice").body["status"] as? String == "deactivated")
            #expect(try await h.request("GET", "/v2/images/\(id)/file", token: "alice").status == 403)
            #expect(try await h.request("GET", "/v2/images/\(id)/file", token: "admin").raw == Data("bytes".utf8))

            for _ in 0..<2 {
                #expect(try await h.request("POST", "/v2/images/\(id)/actions/reactivate", token: "alice").status == 204)
            }
            #expect(try await h.request("GET", "/v2/images/\(id)", token: "alice").body["status"] as? String == "active")
            let down = try await h.request("GET", "/v2/images/\(id)/file", token: "alice")
            #expect(down.status == 200 && down.raw == Data("bytes".utf8))
            #expect(try await h.request("POST", "/v2/images/\(UUID().uuidString.lowercased())/actions/reactivate").status == 404)
        }
    }
}
