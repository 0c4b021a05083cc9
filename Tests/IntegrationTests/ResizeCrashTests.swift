import Foundation
import Testing

/// kill -9 of a compute in the middle of a resize (issue 15, item 5; api, scheduler, conductor and two computes
/// as processes over ZeroMQ, the fake driver slowed by `spawn_latency_ms`), then a restart: the server ends
/// ACTIVE or ERROR with a fault, never in a task state, no migration is left open, and each hypervisor's usage is
/// the flavors of the servers on it. The new flavor has the old one's size, so usage can be checked per server.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ResizeCrashTests {
    /// Boots one server, starts its resize to flavor 2 and returns its id and source host once the destination
    /// holds it in `resize_migrated` (finish_resize is then sleeping in the fake driver).
    static func resizeUntilFinishing(_ api: String) async throws -> (String, String) {
        let (fs, _) = try await http("POST", "\(api)/flavors", [
            "flavor": ["name": "m1.tiny2", "id": "2", "ram": 512, "vcpus": 1, "disk": 1]])
        guard fs == 200 else { throw IntegrationError("flavor create answered \(fs)") }
        try await createServers(api, "rz", count: 1)
        var id = "", source = ""
        try await waitUntil("the server is ACTIVE", within: 30) {
            guard let s = try await servers(api).first, s["status"] as? String == "ACTIVE" else { return false }
            id = s["id"] as? String ?? ""
            source = s["OS-EXT-SRV-ATTR:host"] as? String ?? ""
            return true
        }
        let (rs, body) = try await http("POST", "\(api)/servers/\(id)/action", ["resize": ["flavorRef": "2"]])
        guard rs == 202 else { throw IntegrationError("resize answered \(rs): \(body)") }
        try await waitUntil("the destination is finishing the resize", within: 20) {
            try await servers(api).first.map(taskState) == "resize_migrated"
        }
        return (id, source)
    }

    @Test func destinationComputeKilledDuringFinishResize() async throws {
        var fleet = try await ConductorCrashTests.Fleet(spawnLatencyMS: 5000, rpcTimeout: 4)
        defer { fleet.stopAll() }
        let api = fleet.api
        let (id, source) = try await Self.resizeUntilFinishing(api)
        let dest = source == "c1" ? "c2" : "c1"
        fleet.daemons[dest]!.kill9()
        // The conductor's stalled-move sweep settles it once the move's step is older than
        // service_down_time + rpc_response_timeout.
        try await waitUntil("the server leaves its task state", within: 40) {
            try await servers(api).first.map(taskState) == .some(nil)
        }
        fleet.daemons["\(dest)-2"] = try Daemon("\(dest)-2", ["compute", "--config-file", "\(fleet.cloud.root)/\(dest).conf"],
                                                logDir: fleet.cloud.root)
        let (_, shown) = try await http("GET", "\(api)/servers/\(id)")
        let s = shown["server"] as? [String: Any] ?? [:]
        let status = s["status"] as? String
        #expect(status == "ACTIVE" || status == "ERROR", "\(s)")
        if status == "ERROR" { #expect(s["fault"] != nil, "an ERROR server says why: \(s)") }
        let open = try fleet.cloud.sql("""
            SELECT COUNT(*) FROM migrations WHERE status NOT IN ('confirmed', 'reverted', 'error', 'failed', 'finished')
            """)
        #expect(open == "0", "no migration is left in flight")
        try await expectConsistentUsage(api, config: fleet.controllerConf)
        try await deleteAllAndExpectEmpty(api, config: fleet.controllerConf)
    }

    @Test func sourceComputeKilledAndRestartedBeforeItHandsOver() async throws {
        var fleet = try await ConductorCrashTests.Fleet(spawnLatencyMS: 0, rpcTimeout: 4)
        defer { fleet.stopAll() }
        let api = fleet.api
        try await createServers(api, "rs", count: 1)
        var id = "", source = ""
        try await waitUntil("the server is ACTIVE", within: 30) {
            guard let s = try await servers(api).first, s["status"] as? String == "ACTIVE" else { return false }
            id = s["id"] as? String ?? ""
            source = s["OS-EXT-SRV-ATTR:host"] as? String ?? ""
            return true
        }
        // The source is frozen, then killed: prep_resize on the destination casts resize_instance to a process
        // that never takes it; the move stalls at pre-migrating with both claims held.
        fleet.daemons[source]!.suspend()
        let (rs, body) = try await http("POST", "\(api)/servers/\(id)/action", ["migrate": NSNull()])
        #expect(rs == 202, "\(body)")
        try await waitUntil("the destination took the move", within: 20) {
            try fleet.cloud.sql("SELECT COUNT(*) FROM migrations WHERE status = 'pre-migrating' AND dest_compute IS NOT NULL") == "1"
        }
        fleet.daemons[source]!.kill9()
        fleet.daemons["\(source)-2"] = try Daemon("\(source)-2", ["compute", "--config-file", "\(fleet.cloud.root)/\(source).conf"],
                                                  logDir: fleet.cloud.root)
        try await waitUntil("the server leaves its task state", within: 40) {
            try await servers(api).first.map(taskState) == .some(nil)
        }
        let (_, shown) = try await http("GET", "\(api)/servers/\(id)")
        let s = shown["server"] as? [String: Any] ?? [:]
        let status = s["status"] as? String
        #expect(status == "ACTIVE" || status == "ERROR", "\(s)")
        if status == "ERROR" { #expect(s["fault"] != nil, "an ERROR server says why: \(s)") }
        try await expectConsistentUsage(api, config: fleet.controllerConf)
        try await deleteAllAndExpectEmpty(api, config: fleet.controllerConf)
    }
}
