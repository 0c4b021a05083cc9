import Foundation
import NimbusKernelTestKit
import NimbusTestCloud
import NimbusKernel
import NimbusStore
import Testing

@testable import NimbusAPI

/// Every write endpoint of the Compute API × reader, member, other-project member: the answers a caller
/// without the right may get. The table must name every non-GET route of the OpenAPI table, so a new write
/// endpoint fails this test until its policy is stated here.
@Suite(.serialized) struct RoleMatrixTests {
    static let tokens = StaticTokens(tokens: [
        "admin": AuthContext(userID: "u-admin", userName: "admin", projectID: "p1", projectName: "p1",
                             roles: ["admin", "member", "reader"]),
        "member": AuthContext(userID: "u1", userName: "u1", projectID: "p1", projectName: "p1", roles: ["member", "reader"]),
        "reader": AuthContext(userID: "u3", userName: "u3", projectID: "p1", projectName: "p1", roles: ["reader"]),
        "other": AuthContext(userID: "u2", userName: "u2", projectID: "p2", projectName: "p2", roles: ["member", "reader"]),
    ])

    /// Who may write: admins only; admins only on a server (another project's server is 404 first, as Nova's
    /// project-only lookup makes it); members on their project's servers (others see 404); members creating their
    /// own things; members owning a project resource (another project's is 404); a user's own keypairs (another
    /// user's is 404, whatever the role).
    enum Scope { case admin, serverAdmin, server, create, owned, user }

    struct Row {
        var route: String
        var scope: Scope
        var body: Any?
        /// For one route several bodies (server actions).
        var label = ""
        /// The microversion the route exists at (os-hosts went away at 2.43).
        var version = "2.100"
    }

    static func rows(_ f: Fixture) -> [Row] {
        var rows: [Row] = [
            Row(route: "POST /servers", scope: .create, body: ["server": ["name": "m", "imageRef": "cirros", "flavorRef": "1",
                                                                          "networks": "none"]]),
            Row(route: "PUT /servers/{id}", scope: .server, body: ["server": ["name": "renamed"]]),
            Row(route: "POST /servers/{id}/remote-consoles", scope: .server,
                body: ["remote_console": ["protocol": "vnc", "type": "novnc"]]),
            Row(route: "POST /servers/{id}/metadata", scope: .server, body: ["metadata": ["a": "1"]]),
            Row(route: "PUT /servers/{id}/metadata", scope: .server, body: ["metadata": ["a": "1"]]),
            Row(route: "PUT /servers/{id}/metadata/{key}", scope: .server, body: ["meta": ["a": "2"]]),
            Row(route: "DELETE /servers/{id}/metadata/{key}", scope: .server, body: nil),
            Row(route: "PUT /servers/{id}/tags", scope: .server, body: ["tags": ["t"]]),
            Row(route: "DELETE /servers/{id}/tags", scope: .server, body: nil),
            Row(route: "PUT /servers/{id}/tags/{tag}", scope: .server, body: nil),
            Row(route: "DELETE /servers/{id}/tags/{tag}", scope: .server, body: nil),
            Row(route: "POST /servers/{id}/migrations/{mid}/action", scope: .serverAdmin, body: ["force_complete": NSNull()]),
            Row(route: "DELETE /servers/{id}/migrations/{mid}", scope: .serverAdmin, body: nil),
            Row(route: "POST /servers/{id}/os-interface", scope: .server,
                body: ["interfaceAttachment": ["net_id": "00000000-0000-4000-8000-000000000000"]]),
            Row(route: "DELETE /servers/{id}", scope: .server, body: nil),
            Row(route: "POST /flavors", scope: .admin, body: ["flavor": ["name": "f", "ram": 64, "vcpus": 1, "disk": 0]]),
            Row(route: "PUT /flavors/{id}", scope: .admin, body: ["flavor": ["description": "d"]]),
            Row(route: "DELETE /flavors/{id}", scope: .admin, body: nil),
            Row(route: "POST /flavors/{id}/action", scope: .admin, body: ["addTenantAccess": ["tenant": "p2"]]),
            Row(route: "POST /flavors/{id}/os-extra_specs", scope: .admin, body: ["extra_specs": ["hw:cpu_policy": "shared"]]),
            Row(route: "PUT /flavors/{id}/os-extra_specs/{key}", scope: .admin, body: ["hw:cpu_policy": "shared"]),
            Row(route: "DELETE /flavors/{id}/os-extra_specs/{key}", scope: .admin, body: nil),
            Row(route: "POST /os-keypairs", scope: .create, body: ["keypair": ["name": "k2", "public_key": Self.publicKey]]),
            Row(route: "DELETE /os-keypairs/{name}", scope: .user, body: nil),
            Row(route: "POST /os-server-groups", scope: .create, body: ["server_group": ["name": "g", "policy": "affinity"]]),
            Row(route: "DELETE /os-server-groups/{id}", scope: .owned, body: nil),
            Row(route: "POST /os-aggregates", scope: .admin, body: ["aggregate": ["name": "agg2"]]),
            Row(route: "PUT /os-aggregates/{id}", scope: .admin, body: ["aggregate": ["name": "agg3"]]),
            Row(route: "DELETE /os-aggregates/{id}", scope: .admin, body: nil),
            Row(route: "POST /os-aggregates/{id}/action", scope: .admin, body: ["set_metadata": ["metadata": ["a": "b"]]]),
            Row(route: "PUT /os-services/{id}", scope: .admin, body: ["status": "disabled"]),
            Row(route: "DELETE /os-services/{id}", scope: .admin, body: nil),
            Row(route: "PUT /os-hosts/{host}", scope: .admin, body: ["status": "disable"], version: "2.42"),
            Row(route: "PUT /os-quota-sets/{project}", scope: .admin, body: ["quota_set": ["cores": 30]]),
            Row(route: "DELETE /os-quota-sets/{project}", scope: .admin, body: nil),
            Row(route: "PUT /os-quota-class-sets/{id}", scope: .admin, body: ["quota_class_set": ["cores": 30]]),
        ]
        let actions: [(String, Any, Scope)] = [
            ("reboot", ["type": "SOFT"], .server), ("os-stop", NSNull(), .server), ("os-start", NSNull(), .server),
            ("pause", NSNull(), .server), ("unpause", NSNull(), .server), ("suspend", NSNull(), .server),
            ("resume", NSNull(), .server), ("lock", NSNull(), .server), ("unlock", NSNull(), .server),
            ("os-getConsoleOutput", ["length": 5], .server), ("forceDelete", NSNull(), .server),
            ("restore", NSNull(), .server), ("resize", ["flavorRef": "2"], .server),
            ("createImage", ["name": "snap"], .server), ("os-resetState", ["state": "active"], .serverAdmin),
            ("rebuild", ["imageRef": "cirros"], .server), ("rescue", NSNull(), .server), ("unrescue", NSNull(), .server),
            ("trigger_crash_dump", NSNull(), .server), ("migrate", NSNull(), .serverAdmin),
            ("confirmResize", NSNull(), .server), ("revertResize", NSNull(), .server),
            ("shelve", NSNull(), .server), ("shelveOffload", NSNull(), .serverAdmin), ("unshelve", NSNull(), .server),
            ("evacuate", [:] as [String: Any], .serverAdmin),
            ("os-migrateLive", ["host": NSNull(), "block_migration": "auto"], .serverAdmin),
        ]
        for (name, args, scope) in actions {
            rows.append(Row(route: "POST /servers/{id}/action", scope: scope, body: [name: args], label: name))
        }
        return rows
    }

    static let publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICVQtenmuPxDo3L9U623HEyfK2+soJX8l1BN613duymq matrix"

    struct Fixture {
        var server: String
        var flavor = "1"
        var keypair = "k"
        var group: String
        var aggregate: String
        var service: String
        var host: String
    }

    static func path(_ route: String, _ f: Fixture) -> String {
        var p = String(route.split(separator: " ", maxSplits: 1)[1])
        let collection = p.split(separator: "/").first.map(String.init) ?? ""
        let ids: [String: String] = ["servers": f.server, "flavors": f.flavor, "os-keypairs": f.keypair,
                                     "os-server-groups": f.group, "os-aggregates": f.aggregate,
                                     "os-services": f.service, "os-hosts": f.host, "os-quota-sets": "p1",
                                     "os-quota-class-sets": "default"]
        p = p.replacingOccurrences(of: "{key}", with: collection == "flavors" ? "hw:cpu_policy" : "a")
        p = p.replacingOccurrences(of: "{tag}", with: "t")
        for param in ["{id}", "{name}", "{host}", "{project}"] { p = p.replacingOccurrences(of: param, with: ids[collection] ?? "x") }
        return "/v2.1" + p
    }

    @Test func everyWriteEndpointRefusesCallersWithoutTheRole() async throws {
        try await Cloud.with(hosts: 1, validator: Self.tokens) { cloud in
            let server = try await cloud.boot("matrix", token: "member")[0]
            let v = "2.100"
            let kp = try await cloud.call("POST", "/v2.1/os-keypairs", ["keypair": ["name": "k", "public_key": Self.publicKey]],
                                          version: v, token: "member")
            #expect(kp.status == 201, "\(kp.body)")
            let g = try await cloud.call("POST", "/v2.1/os-server-groups", ["server_group": ["name": "g", "policy": "affinity"]],
                                         version: v, token: "member")
            let agg = try await cloud.call("POST", "/v2.1/os-aggregates", ["aggregate": ["name": "agg"]], version: v, token: "admin")
            _ = try await cloud.call("POST", "/v2.1/flavors/1/os-extra_specs", ["extra_specs": ["hw:cpu_policy": "shared"]],
                                     version: v, token: "admin")
            _ = try await cloud.call("PUT", "/v2.1/servers/\(server)/metadata", ["metadata": ["a": "1"]], version: v, token: "member")
            _ = try await cloud.call("PUT", "/v2.1/servers/\(server)/tags", ["tags": ["t"]], version: v, token: "member")
            let service = try await cloud.store.services(binary: "nova-compute")[0]
            let f = Fixture(server: server,
                            group: (g["server_group"] as? [String: Any])?["id"] as? String ?? "",
                            aggregate: "\((agg["aggregate"] as? [String: Any])?["id"] as? Int ?? 0)",
                            service: service.uuid.uuidString.lowercased(), host: service.host)
            let rows = Self.rows(f)
            // Every write route of the API has a row (a new endpoint must state its policy here).
            let writes = Set(OpenAPIDocument.table.keys.filter { !$0.hasPrefix("GET ") })
            let covered = Set(rows.map(\.route))
            #expect(writes.subtracting(covered).isEmpty, "write routes without a role-matrix row: \(writes.subtracting(covered).sorted())")
            for row in rows where writes.contains(row.route) {
                let method = String(row.route.split(separator: " ")[0])
                let path = Self.path(row.route, f)
                let what = "\(row.route) \(row.label)"
                let reader = try await cloud.call(method, path, row.body, version: row.version, token: "reader")
                let readerOK = row.scope == .user ? [403, 404].contains(reader.status) : reader.status == 403
                #expect(readerOK, "reader \(what): \(reader.status) \(reader.body)")
                let other = try await cloud.call(method, path, row.body, version: row.version, token: "other")
                switch row.scope {
                case .admin: #expect(other.status == 403, "other \(what): \(other.status) \(other.body)")
                case .server, .serverAdmin, .owned, .user:
                    #expect(other.status == 404, "other \(what): \(other.status) \(other.body)")
                case .create: #expect(other.status < 300, "other \(what): \(other.status) \(other.body)")
                }
                if row.scope == .admin || row.scope == .serverAdmin {
                    let member = try await cloud.call(method, path, row.body, version: row.version, token: "member")
                    #expect(member.status == 403, "member \(what): \(member.status) \(member.body)")
                }
            }
            // Nothing a refused caller sent took effect: the server is still there, unrenamed and unlocked.
            let s = try await cloud.server(server, token: "member")
            #expect(s["name"] as? String == "matrix" && s["locked"] as? Bool == false)
        }
    }
}
