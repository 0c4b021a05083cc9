import Foundation
import NimbusTestCloud
import NimbusKernelTestKit
import NimbusKernel
import Testing

/// Features Nimbus lacks answer as Nova does without them (found driving the `openstack` CLI: resize,
/// rebuild, shelve, … said "There is no such action").
@Suite(.serialized) struct UnsupportedFeatureTests {
    static let tokens = StaticTokens(tokens: [
        "admin": AuthContext(userID: "u-admin", userName: "admin", projectID: "p1", projectName: "p1",
                             roles: ["admin", "member", "reader"]),
        "member2": AuthContext(userID: "u2", userName: "u2", projectID: "p2", projectName: "p2", roles: ["member", "reader"]),
        "reader1": AuthContext(userID: "u3", userName: "u3", projectID: "p1", projectName: "p1", roles: ["reader"]),
    ])

    @Test func unimplementedActionsAndDiagnostics() async throws {
        try await withHarness(try await Cloud.start(hosts: 1, validator: Self.tokens)) { cloud in
            let id = try await cloud.boot("vm", token: "admin")[0]
            let action = "/v2.1/servers/\(id)/action"
            let bodies: [String: Any] = [
                "changePassword": ["adminPass": "x"], "createBackup": ["name": "b", "backup_type": "daily", "rotation": 1],
            ]
            for (name, args) in bodies {
                let r = try await cloud.call("POST", action, [name: args], version: "2.100", token: "admin")
                #expect(r.status == 501, "\(name): \(r.status) \(r.body)")
                #expect(r.fault?["code"] as? Int == 501 && r["notImplemented"] != nil, "\(name)")
                #expect(r.message == "The requested functionality is not supported.", "\(name)")
            }
            // The server is looked up first: another project's member gets 404, a reader 403.
            #expect(try await cloud.call("POST", action, ["resize": ["flavorRef": "2"]], token: "member2").status == 404)
            #expect(try await cloud.call("POST", action, ["createBackup": ["name": "b"]], token: "reader1").status == 403)
            // A name Nova does not know is still a 400.
            let unknown = try await cloud.call("POST", action, ["frobnicate": NSNull()], token: "admin")
            #expect(unknown.status == 400 && unknown.message == "There is no such action: frobnicate")
            // Consoles work now: RemoteConsoleTests.

            // Diagnostics: admin only (403), then 501.
            let d = try await cloud.call("GET", "/v2.1/servers/\(id)/diagnostics", version: "2.48", token: "admin")
            #expect(d.status == 501 && d["notImplemented"] != nil)
            #expect(try await cloud.call("GET", "/v2.1/servers/\(id)/diagnostics", token: "reader1").status == 403)
        }
    }
}
