import Foundation
import MetadataDocuments
import NimbusKernelTestKit
import NimbusMetadata
import Testing

/// Behind Neutron's metadata proxy (`[neutron] service_metadata_proxy`): the signed `X-Instance-ID` names the
/// instance, `X-Tenant-ID` must be its project, the source address no longer counts.
@Suite struct MetadataProxyTests {
    static let secret = "s3cr3t"
    static let proxy = MetadataSettings(behindProxy: true, sharedSecret: secret)

    func proxied(_ h: MetadataHarness, _ id: String, tenant: String = "p-demo", signature: String? = nil,
                 path: String = "/openstack/latest/meta_data.json") async throws -> RawAnswer {
        try await h.get(path, headers: ["X-Instance-ID": id, "X-Tenant-ID": tenant, "X-Forwarded-For": "10.0.0.7",
                                  "X-Instance-ID-Signature": signature ?? MetadataServer.signature(id, secret: Self.secret)])
    }

    @Test func signedRequestsIdentifyTheInstance() async throws {
        try await withHarness(try await MetadataHarness.start(Self.proxy)) { h in
            let a = try await h.instance("a", ip: nil).uuidString.lowercased()
            let b = try await h.instance("b", ip: nil, project: "p-other").uuidString.lowercased()
            #expect(try await proxied(h, a).json["uuid"] as? String == a)
            #expect(try await proxied(h, b, tenant: "p-other").json["uuid"] as? String == b)
            // The forwarded address stands in for local-ipv4 when the instance has no fixed IPv4.
            #expect(try await proxied(h, a, path: "/latest/meta-data/local-ipv4").text == "10.0.0.7")
            // Neutron's signature is HMAC-SHA256(secret, instance id) in hex.
            #expect(MetadataServer.signature("abc", secret: "key")
                    == "9c196e32dc0175f86f4b1cb89289d6619de6bee699e4c378e68309ed97a1a6ab")
        }
    }

    @Test func aBadSignatureIsForbidden() async throws {
        try await withHarness(try await MetadataHarness.start(Self.proxy)) { h in
            let a = try await h.instance("a", ip: "127.0.0.1").uuidString.lowercased()
            let wrongKey = MetadataServer.signature(a, secret: "other")
            let r = try await proxied(h, a, signature: wrongKey)
            #expect(r.status == 403)
            #expect(r.text.contains("Invalid proxy request signature."))
            #expect(!r.text.contains(a))
            #expect(try await proxied(h, a, signature: "").status == 403)
            // Another instance's valid signature does not open this one.
            let b = try await h.instance("b", ip: nil).uuidString.lowercased()
            #expect(try await proxied(h, a, signature: MetadataServer.signature(b, secret: Self.secret)).status == 403)
            // The source address is not trusted behind the proxy: no headers is a 400, not instance a's data.
            let bare = try await h.get("/openstack/latest/meta_data.json")
            #expect(bare.status == 400 && bare.text.contains("X-Instance-ID header is missing from request."))
        }
    }

    @Test func theTenantMustOwnTheInstance() async throws {
        try await withHarness(try await MetadataHarness.start(Self.proxy)) { h in
            let a = try await h.instance("a", ip: nil).uuidString.lowercased()
            let r = try await proxied(h, a, tenant: "p-other")
            #expect(r.status == 404)
            #expect(!r.text.contains("\"uuid\""))
            let missing = UUID().uuidString.lowercased()
            #expect(try await proxied(h, missing).status == 404)
        }
    }
}
