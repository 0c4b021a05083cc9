import Foundation
import NimbusTestCloud
import NimbusKernelTestKit
import NimbusDaemons
import NimbusKernel
import Testing

/// The all-in-one's built-in networking service, wired: its own port (following the compute API's port 0),
/// the `network` catalog entry, and the shared token validator guarding it.
@Suite(.serialized) struct NetworkWiringTests {
    @Test func catalogNamesTheNetworkServiceAndItServesNeutronWithKeystoneTokens() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 1)) { cloud in
            let identityPort = await cloud.aio.identityImage.port("identity")
            let networkPort = await cloud.aio.identityImage.port("network")
            #expect(networkPort != 9696)
            let auth = #"{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "domain": {"name": "Default"}, "password": "nimbus"}}}, "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}"#
            let login = try await TestHTTP.send("POST", "http://127.0.0.1:\(identityPort)/v3/auth/tokens", body: Data(auth.utf8),
                                                headers: ["Content-Type": "application/json"])
            let token = try #require(login.header("X-Subject-Token"))
            let catalog = (login.body["token"] as? [String: Any])?["catalog"] as? [[String: Any]] ?? []
            let entry = try #require(catalog.first { $0["type"] as? String == "network" })
            #expect(entry["name"] as? String == "neutron")
            let url = try #require(((entry["endpoints"] as? [[String: Any]])?.first { $0["interface"] as? String == "public" })?["url"]
                as? String)
            #expect(url == "http://127.0.0.1:\(networkPort)")

            // As the SDK does: the catalog URL + /v2.0, no version discovery.
            #expect(try await TestHTTP.send("GET", url + "/v2.0/networks").status == 401)
            let created = try await TestHTTP.send("POST", url + "/v2.0/networks", body: Data(#"{"network": {"name": "net1"}}"#.utf8),
                                                  headers: ["X-Auth-Token": token, "Content-Type": "application/json"])
            #expect(created.status == 201)
            let listed = try await TestHTTP.send("GET", url + "/v2.0/networks?name=net1", headers: ["X-Auth-Token": token])
            #expect((listed.body["networks"] as? [[String: Any]])?.count == 1)
        }
    }
}
