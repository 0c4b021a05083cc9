import Foundation
import NimbusJSON
import NimbusKernelTestKit
import NimbusTestCloud
import NimbusKernel
import NimbusStore
import Testing

@testable import NimbusAPI

/// Generated input over every route of the OpenAPI table: hostile paths, queries, microversions and bodies
/// of right and wrong shapes. Whatever comes in: never a 5xx (501 "not supported" aside), never a crash,
/// always Nova's JSON error body. `NIMBUS_FUZZ_CASES` raises the bounded default (`make fuzz`).
@Suite(.serialized) struct GeneratedInputTests {
    static let tokens = StaticTokens(tokens: [
        "admin": AuthContext(userID: "u-admin", userName: "admin", projectID: "p1", projectName: "p1",
                             roles: ["admin", "member", "reader"]),
        "member": AuthContext(userID: "u1", userName: "u1", projectID: "p1", projectName: "p1", roles: ["member", "reader"]),
        "reader": AuthContext(userID: "u3", userName: "u3", projectID: "p1", projectName: "p1", roles: ["reader"]),
        "other": AuthContext(userID: "u2", userName: "u2", projectID: "p2", projectName: "p2", roles: ["member", "reader"]),
    ])

    @Test func everyRouteSurvivesGeneratedInput() async throws {
        let cases = ProcessInfo.processInfo.environment["NIMBUS_FUZZ_CASES"].flatMap(Int.init) ?? 1500
        try await Cloud.with(hosts: 1, validator: Self.tokens) { cloud in
            let server = try await cloud.boot("fuzz", token: "member")[0]
            let node = try await cloud.store.computeNodes()[0]
            let service = try await cloud.store.services(binary: "nova-compute")[0]
            let real: [String: String] = [
                "servers": server, "flavors": "1", "os-keypairs": "k", "os-aggregates": "1", "os-server-groups": server,
                "os-services": service.uuid.uuidString.lowercased(), "os-hypervisors": node.uuid.uuidString.lowercased(),
                "os-hosts": node.host, "os-quota-sets": "p1", "os-simple-tenant-usage": "p1", "os-networks": "1",
                "os-quota-class-sets": "default",
            ]
            var gen = FuzzInput(seed: 0x6E696D627573)
            let routes = OpenAPIDocument.table.keys.sorted()
            var failures: [String] = []
            for n in 0..<cases {
                let route = routes[gen.int(routes.count)]
                let parts = route.split(separator: " ", maxSplits: 1)
                let method = String(parts[0])
                var path = "/v2.1" + (parts[1] == "/" ? "" : String(parts[1]))
                let collection = parts[1].split(separator: "/").first.map(String.init) ?? ""
                while let open = path.firstIndex(of: "{"), let close = path[open...].firstIndex(of: "}") {
                    let value = gen.chance(0.6) ? (real[collection] ?? "x") : gen.pathSegment()
                    path.replaceSubrange(open...close, with: value)
                }
                if method == "GET", gen.chance(0.5) { path += "?" + gen.query() }
                // URLSession cannot send a GET with a body; DELETE sometimes gets one.
                let body: Any? = ["POST", "PUT"].contains(method) || (method == "DELETE" && gen.chance(0.1)) ? gen.body() : nil
                let token = gen.pick(["admin", "admin", "admin", "member", "reader", "other"])
                let version = gen.pick(["2.1", "2.37", "2.53", "2.75", "2.90", "2.100", "latest", "2.101", "junk", "3.0"])
                let r: Answer
                do { r = try await cloud.call(method, path, body, version: version, token: token) } catch {
                    failures.append("#\(n) \(method) \(path) v\(version) \(token): client error \(error)")
                    continue
                }
                let label = "#\(n) \(method) \(path) v\(version) \(token): \(r.status) \(String(decoding: r.raw.prefix(300), as: UTF8.self))"
                if r.status == 0 || (r.status >= 500 && r.status != 501) { failures.append("server error " + label) }
                if r.status >= 400, !(r.fault.map { $0["code"] as? Int == r.status && $0["message"] is String } ?? false)
                    || r.body.count != 1 {
                    failures.append("error without Nova's body " + label)
                }
            }
            #expect(failures.isEmpty, "\(failures.count) bad answers of \(cases):\n\(failures.prefix(20).joined(separator: "\n"))")
            // Still serving.
            #expect(try await cloud.call("GET", "/v2.1/servers", token: "member").status == 200)
        }
    }
}

/// A seeded generator of hostile Compute API input, shaped by Nova's body keys (the same cases every run).
struct FuzzInput {
    var rng: SeededRNG
    init(seed: UInt64) { rng = SeededRNG(state: seed) }

    mutating func next() -> UInt64 { rng.next() }

    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
    mutating func chance(_ p: Double) -> Bool { Double(next() % 10_000) / 10_000 < p }
    mutating func pick<T>(_ xs: [T]) -> T { xs[int(xs.count)] }

    static let keys = [
        "server", "flavor", "keypair", "quota_set", "quota_class_set", "aggregate", "server_group", "metadata", "meta",
        "tags", "extra_specs", "remote_console", "reboot", "os-stop", "os-start", "pause", "unpause", "lock", "unlock",
        "suspend", "resume", "os-getConsoleOutput", "os-resetState", "forceDelete", "addTenantAccess",
        "removeTenantAccess", "add_host", "remove_host", "set_metadata", "name", "imageRef", "flavorRef", "networks",
        "min_count", "max_count", "ram", "vcpus", "disk", "id", "cores", "instances", "type", "length", "state", "host",
        "status", "disabled_reason", "forced_down", "policies", "policy", "rules", "max_server_per_host", "public_key",
        "availability_zone", "description", "hostname", "block_device_mapping_v2", "boot_index", "security_groups",
        "accessIPv4", "accessIPv6", "user_data", "key_name", "tenant", "protocol", "force", "metadata_items", "uuid",
        "os-flavor-access:is_public", "rxtx_factor", "swap", "OS-FLV-EXT-DATA:ephemeral", "source_type",
        "destination_type", "return_reservation_id", "config_drive", "adminPass", "tag", "locked_reason",
        "OS-SCH-HNT:scheduler_hints", "group", "server_group_members", "key_pairs", "binary", "disabled", "maintenance_mode",
    ]

    mutating func string() -> String {
        switch int(16) {
        case 0: return ""
        case 1: return "a\u{0}b"
        case 2: return "\u{1}\u{7}\n\r\t"
        case 3: return String(repeating: "x", count: 1 + int(70_000))
        case 4: return "9223372036854775808"
        case 5: return "-1"
        case 6: return "' OR 1=1 --"
        case 7: return "../../etc/passwd"
        case 8: return "\u{202E}ünïcødé ✓ 🚀"
        case 9: return UUID().uuidString.lowercased()
        case 10: return "%00%ff%"
        case 11: return "NaN"
        case 12: return "true"
        case 13: return pick(["1", "cirros", "default", "p1", "k", "admin"])
        case 14: return "\u{FFFF}\u{D7FF}"
        default: return pick(Self.keys)
        }
    }

    mutating func scalar() -> Any {
        switch int(10) {
        case 0: return Int.max
        case 1: return Int.min
        case 2: return pick([0, 1, -1, 2, 1_099_511_627_776, 9_007_199_254_740_993])
        case 3: return pick([1e308, -0.0, 1.5, -1e-300])
        case 4: return gen(Bool.self)
        case 5: return NSNull()
        default: return string()
        }
    }

    mutating func gen(_: Bool.Type) -> Bool { chance(0.5) }

    mutating func value(depth: Int) -> Any {
        if depth > 2 || chance(0.6) { return scalar() }
        if chance(0.4) { return (0..<int(5)).map { _ in value(depth: depth + 1) } }
        if chance(0.05) { return (0..<2000).map { $0 } }
        return object(depth: depth + 1)
    }

    mutating func object(depth: Int) -> [String: Any] {
        var o: [String: Any] = [:]
        for _ in 0..<int(7) { o[chance(0.9) ? pick(Self.keys) : string()] = value(depth: depth) }
        return o
    }

    /// A request body: usually `{"<known wrapper>": {…}}`, sometimes not JSON or not an object at all.
    mutating func body() -> Any {
        switch int(20) {
        case 0: return Data("{\"server\": ".utf8)
        case 1: return Data((String(repeating: "[", count: 5000)).utf8)
        case 2: return Data([0, 0xff, 0xfe, 0x7b])
        case 3: return Data()
        case 4: return [scalar(), scalar()]
        case 5: return Data("\"just a string\"".utf8)
        default:
            var o: [String: Any] = [pick(Self.keys): chance(0.85) ? object(depth: 1) : value(depth: 1)]
            if chance(0.2) { o[pick(Self.keys)] = value(depth: 1) }
            return o
        }
    }

    mutating func pathSegment() -> String {
        pick(["x", "0", "-1", "%00", "%2e%2e", String(repeating: "9", count: 40), UUID().uuidString, "a%20b",
              "%E2%9C%93", "admin", String(repeating: "z", count: 300)])
    }

    mutating func query() -> String {
        let keys = ["limit", "marker", "status", "name", "changes-since", "changes-before", "sort_key", "sort_dir",
                    "all_tenants", "deleted", "host", "flavor", "image", "tenant_id", "project_id", "ip", "detailed",
                    "start", "end", "hypervisor_hostname_pattern", "with_servers", "user_id", "tags", "minDisk"]
        let allowed = CharacterSet.alphanumerics
        return (0..<(1 + int(3))).map { _ in
            let v = chance(0.3) ? pick(["0", "-5", "100000000000000000000", "1e3", "true"]) : string()
            return pick(keys) + "=" + (String(v.prefix(200)).addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }.joined(separator: "&")
    }
}
