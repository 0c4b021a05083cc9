import Foundation
import Testing

/// kill -9 of the all-in-one during builds and during deletes, then a restart on the same state: nothing stays in
/// BUILD past service_down_time, usage equals the claims of the servers, no claim outlives its instance; and
/// the database is private to its owner.
@Suite(.serialized, .timeLimit(.minutes(3))) struct AllInOneCrashTests {
    @Test func killedDuringBuildsLeavesNothingInBuildAndUsageMatches() async throws {
        let cloud = CrashCloud()
        let conf = try cloud.write("aio.conf", cloud.common(spawnLatencyMS: 2000) + "\n[DEFAULT]\nhost = aio\n")
        let args = ["all-in-one", "--fake-hosts", "2", "--config-file", conf]
        var aio = try Daemon("aio-1", args, logDir: cloud.root)
        defer { aio.terminate() }
        var api = try await cloud.apiURL(aio)
        try await createServers(api, "crash", count: 50)
        // Kill while some builds spawn on a compute and others still wait for one (queued behind
        // max_concurrent_builds = 10 per host): the second kind stayed in BUILD for good.
        try await waitUntil("builds are both spawning and scheduling", within: 30) {
            let states = try await servers(api).map(taskState)
            return states.contains("spawning") && states.contains("scheduling")
        }
        aio.kill9()

        aio = try Daemon("aio-2", args, logDir: cloud.root)
        api = try await cloud.apiURL(aio)
        try await waitUntil("no server is left in BUILD", within: 20) {
            let list = try await servers(api)
            return list.count == 50 && !list.contains { $0["status"] as? String == "BUILD" }
        }
        let list = try await servers(api)
        #expect(list.contains { $0["status"] as? String == "ERROR" })
        for s in list where s["status"] as? String == "ERROR" {
            #expect((s["fault"] as? [String: Any])?["message"] as? String != nil, "an ERROR server says why")
        }
        try await expectConsistentUsage(api, config: conf)
        try await deleteAllAndExpectEmpty(api, config: conf)
    }

    @Test func killedDuringDeletesLeaksNoClaim() async throws {
        let cloud = CrashCloud()
        let conf = try cloud.write("aio.conf", cloud.common(spawnLatencyMS: 0) + "\n[DEFAULT]\nhost = aio\n")
        let args = ["all-in-one", "--fake-hosts", "2", "--config-file", conf]
        var aio = try Daemon("aio-1", args, logDir: cloud.root)
        defer { aio.terminate() }
        var api = try await cloud.apiURL(aio)
        try await createServers(api, "del", count: 30)
        try await waitUntil("30 servers are ACTIVE", within: 30) {
            let list = try await servers(api)
            return list.count == 30 && list.allSatisfy { $0["status"] as? String == "ACTIVE" }
        }
        let ids = try await servers(api).compactMap { $0["id"] as? String }
        for id in ids.prefix(15) { _ = try await http("DELETE", "\(api)/servers/\(id)") }
        try await waitUntil("the first delete has finished", within: 15) {
            try await http("GET", "\(api)/servers/\(ids[0])").0 == 404
        }
        aio.kill9()
        // What the kill leaves when it lands between a delete's two writes (the instance marked deleted, its claim
        // not yet released): plant it, since a kill cannot be timed to hit that window.
        let leaked = try cloud.sql("SELECT uuid FROM instances WHERE deleted = 1 LIMIT 1")
        try cloud.sql("""
            INSERT INTO allocations (consumer_uuid, node_uuid, vcpus, memory_mb, disk_gb, created_at)
              SELECT '\(leaked)', MIN(uuid), 1, 512, 1, 0 FROM compute_nodes;
            UPDATE compute_nodes SET vcpus_used = vcpus_used + 1, memory_mb_used = memory_mb_used + 512,
              local_gb_used = local_gb_used + 1 WHERE uuid = (SELECT MIN(uuid) FROM compute_nodes);
            """)

        aio = try Daemon("aio-2", args, logDir: cloud.root)
        api = try await cloud.apiURL(aio)
        try await waitUntil("interrupted deletes finish", within: 20) {
            try await !servers(api).contains { taskState($0) == "deleting" }
        }
        try await expectConsistentUsage(api, config: conf)
        #expect(try cloud.sql("SELECT COUNT(*) FROM allocations WHERE consumer_uuid = '\(leaked)'") == "0")
        try await deleteAllAndExpectEmpty(api, config: conf)
    }

    @Test func databaseAndStateDirectoryAreOwnerOnly() async throws {
        let cloud = CrashCloud()
        let conf = try cloud.write("aio.conf", cloud.common(spawnLatencyMS: 0) + "\n[DEFAULT]\nhost = aio\n")
        let aio = try Daemon("aio", ["all-in-one", "--fake-hosts", "1", "--config-file", conf], logDir: cloud.root)
        defer { aio.terminate() }
        let api = try await cloud.apiURL(aio)
        try await createServers(api, "perm", count: 1)  // a write, so -wal and -shm exist
        func mode(_ path: String) -> Int? {
            (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
        }
        try await waitUntil("the WAL exists", within: 10) { mode(cloud.database + "-wal") != nil }
        #expect(mode("\(cloud.root)/state") == 0o711)
        for suffix in ["", "-wal", "-shm"] {
            #expect(mode(cloud.database + suffix) == 0o600, "nimbus.sqlite\(suffix)")
        }
    }
}
