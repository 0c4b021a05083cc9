import Foundation
import NimbusTestCloud
import NimbusKernelTestKit
import NimbusDaemons
import NimbusKernel
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The all-in-one's built-in identity and image services, wired: bootstrap, catalog with the runtime ports,
/// and the shared token validator guarding the image API.
@Suite(.serialized) struct IdentityImageWiringTests {
    func call(_ method: String, _ url: String, _ body: Data? = nil, headers: [String: String] = [:]) async throws
        -> (Int, [String: Any], HTTPAnswer)
    {
        let a = try await TestHTTP.send(method, url, body: body, headers: headers)
        return (a.status, a.body, a)
    }

    @Test func bootstrappedAdminGetsCatalogWithRuntimePortsAndUsesTheImageAPI() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 1)) { cloud in
            let identityPort = await cloud.aio.identityImage.port("identity")
            let imagePort = await cloud.aio.identityImage.port("image")
            #expect(identityPort != 5000 && imagePort != 9292)  // port 0 follows the compute API's

            let auth = #"{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "domain": {"name": "Default"}, "password": "nimbus"}}}, "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}"#
            let (status, body, http) = try await call("POST", "http://127.0.0.1:\(identityPort)/v3/auth/tokens", Data(auth.utf8),
                                                      headers: ["Content-Type": "application/json"])
            #expect(status == 201)
            let token = try #require(http.header("X-Subject-Token"))
            let catalog = (body["token"] as? [String: Any])?["catalog"] as? [[String: Any]] ?? []
            func url(_ type: String) -> String? {
                ((catalog.first { $0["type"] as? String == type }?["endpoints"] as? [[String: Any]])?
                    .first { $0["interface"] as? String == "public" })?["url"] as? String
            }
            #expect(url("compute") == cloud.base + "/v2.1")
            #expect(url("identity") == "http://127.0.0.1:\(identityPort)/v3")
            #expect(url("image") == "http://127.0.0.1:\(imagePort)")

            let ctx = try await cloud.aio.tokenValidator.validate(token: token)
            #expect(ctx.userName == "admin" && ctx.isAdmin)

            let image = try #require(url("image"))
            #expect(try await call("GET", image + "/v2/images").0 == 401)
            let (created, img, _) = try await call("POST", image + "/v2/images", Data(#"{"name": "cirros"}"#.utf8),
                                                   headers: ["X-Auth-Token": token, "Content-Type": "application/json"])
            #expect(created == 201)
            #expect(img["owner"] as? String == ctx.projectID)
        }
    }
}
