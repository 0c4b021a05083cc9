import Foundation
import NimbusConductor
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import NimbusTestCloud
import Testing

@testable import NimbusDaemons

/// Live migration on the fake driver (issue 15, item 4): bodies by microversion, the `live-migration` record
/// (`queued` → `preparing` → `running` → `completed`), the claim moving with the server, and force_complete
/// (2.22) and abort (2.24) of a migration the fake keeps copying (`[fake] live_migration_ms`).
@Suite struct LiveMigrationTests {
    static let none = Resources(vcpus: 0, memoryMB: 0, diskGB: 0)

    static func migration(_ cloud: Cloud, _ id: String) async throws -> [String: Any]? {
        let r = try await cloud.call("GET", "/v2.1/os-migrations?instance_uuid=\(id)&migration_type=live-migration",
                                     version: "2.80")
        return (r["migrations"] as? [[String: Any]])?.first
    }

    static func settled(_ cloud: Cloud, _ id: String, on host: String) async throws {
        try await cloud.waitUntil("\(id) is settled on \(host)") {
            let s = try await cloud.server(id)
            return s["OS-EXT-SRV-ATTR:host"] as? String == host && s["OS-EXT-STS:task_state"] is NSNull
        }
    }

    @Test func bodiesByMicroversionAndAScheduledMove() async throws {
        try await Cloud.with(hosts: 2) { cloud in
            let (id, source) = try await ResizeTests.bootSmall(cloud, "lm")
            let other = source == "fake-1" ? "fake-2" : "fake-1"
            func live(_ body: [String: Any], _ version: String) async throws -> Answer {
                try await ResizeTests.action(cloud, id, ["os-migrateLive": body], version: version)
            }
            // 2.1–2.24: all three keys; 2.25: no disk_over_commit, "auto"; force 2.30–2.67 and only with a host.
            #expect(try await live(["host": NSNull(), "block_migration": false], "2.24").status == 400)
            #expect(try await live(["host": NSNull(), "block_migration": "auto"], "2.24").status == 400)
            #expect(try await live(["host": NSNull(), "block_migration": "auto", "disk_over_commit": false], "2.25").status == 400)
            #expect(try await live(["host": NSNull(), "block_migration": "auto", "force": true], "2.30").status == 400)
            #expect(try await live(["host": other, "block_migration": "auto", "force": true], "2.68").status == 400)
            let unknown = try await live(["host": "nowhere", "block_migration": "auto"], "2.25")
            #expect(unknown.status == 400 && unknown.message == "Compute host nowhere could not be found.")
            #expect(try await live(["host": source, "block_migration": "auto"], "2.25").status == 400)

            let r = try await live(["host": NSNull(), "block_migration": "auto"], "2.25")
            #expect(r.status == 202, "\(r.body)")
            try await Self.settled(cloud, id, on: other)
            #expect(try await cloud.status(id) == "ACTIVE")
            #expect(try await Self.migration(cloud, id)?["status"] as? String == "completed")
            let used = try await ResizeTests.used(cloud)
            #expect(used[other] == ResizeTests.small && used[source] == Self.none, "the claim moved: \(used)")
            let actions = try await cloud.call("GET", "/v2.1/servers/\(id)/os-instance-actions", version: "2.100")
            let names = (actions["instanceActions"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(names.contains("live-migration"), "\(names)")
            // Nothing in progress any more: the server's list is empty.
            let list = try await cloud.call("GET", "/v2.1/servers/\(id)/migrations", version: "2.24")
            #expect((list["migrations"] as? [Any])?.isEmpty == true)
        }
    }

    /// A migration that keeps copying: aborted it goes back to the source (`cancelled`, claims as before);
    /// forced to complete it lands on the destination.
    @Test func abortThenForceComplete() async throws {
        try await Cloud.with(hosts: 2, ["fake.live_migration_ms": "600000"]) { cloud in
            let (id, source) = try await ResizeTests.bootSmall(cloud, "lf")
            let other = source == "fake-1" ? "fake-2" : "fake-1"
            let body: [String: Any] = ["os-migrateLive": ["host": other, "block_migration": "auto"]]
            func running() async throws -> Int {
                var mid = 0
                try await cloud.waitUntil("the live migration of \(id) is running") {
                    let r = try await cloud.call("GET", "/v2.1/servers/\(id)/migrations", version: "2.24")
                    let m = (r["migrations"] as? [[String: Any]])?.first
                    mid = m?["id"] as? Int ?? 0
                    return m?["status"] as? String == "running"
                }
                return mid
            }
            #expect(try await ResizeTests.action(cloud, id, body).status == 202)
            let first = try await running()
            #expect(try await cloud.status(id) == "MIGRATING")
            // A long copy keeps its record fresh, so the stalled-move sweep leaves it alone.
            let touched = try await Self.migration(cloud, id)?["updated_at"] as? String
            try await cloud.waitUntil("the running migration is touched") {
                let m = try await Self.migration(cloud, id)
                return m?["status"] as? String == "running" && m?["updated_at"] as? String != touched
            }
            var used = try await ResizeTests.used(cloud)
            #expect(used[other] == ResizeTests.small && used[source] == ResizeTests.small, "both held while copying")
            let path = "/v2.1/servers/\(id)/migrations"
            #expect(try await cloud.call("DELETE", "\(path)/\(first)", version: "2.23").status == 404, "abort is 2.24+")
            #expect(try await cloud.call("DELETE", "\(path)/99999", version: "2.24").status == 404)
            #expect(try await cloud.call("DELETE", "\(path)/\(first)", version: "2.24").status == 202)
            try await cloud.waitUntil("the migration is cancelled") {
                try await Self.migration(cloud, id)?["status"] as? String == "cancelled"
            }
            try await Self.settled(cloud, id, on: source)
            #expect(try await cloud.status(id) == "ACTIVE")
            used = try await ResizeTests.used(cloud)
            #expect(used[source] == ResizeTests.small && used[other] == Self.none, "back as before: \(used)")

            #expect(try await ResizeTests.action(cloud, id, body).status == 202)
            let second = try await running()
            let force: [String: Any] = ["force_complete": NSNull()]
            #expect(try await cloud.call("POST", "\(path)/\(second)/action", force, version: "2.21").status == 404)
            #expect(try await cloud.call("POST", "\(path)/\(second)/action", ["force_complete": 1], version: "2.22").status == 400)
            #expect(try await cloud.call("POST", "\(path)/\(second)/action", force, version: "2.22").status == 202)
            try await Self.settled(cloud, id, on: other)
            #expect(try await Self.migration(cloud, id)?["status"] as? String == "completed")
            used = try await ResizeTests.used(cloud)
            #expect(used[other] == ResizeTests.small && used[source] == Self.none, "\(used)")
            // Done: neither may be asked again (the server is no longer migrating: Nova's 409).
            #expect(try await cloud.call("POST", "\(path)/\(second)/action", force, version: "2.22").status == 409)
            let actions = try await cloud.call("GET", "/v2.1/servers/\(id)/os-instance-actions", version: "2.100")
            let names = (actions["instanceActions"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(names.contains("live_migration_cancel") && names.contains("live_migration_force_complete"), "\(names)")
        }
    }

    /// No other host (NoValidHost): Nova's pre-check failure keeps the vm_state, clears the task, marks the
    /// migration `error` and leaves the claims as they were.
    @Test func noOtherHostLeavesTheServerWhereItWas() async throws {
        try await Cloud.with(hosts: 1) { cloud in
            let (id, source) = try await ResizeTests.bootSmall(cloud, "ln")
            let before = try await ResizeTests.used(cloud)
            // Before 2.34 the API waits for the pre-checks: 400 naming the failure, the server untouched.
            let old = try await ResizeTests.action(cloud, id, ["os-migrateLive": [
                "host": NSNull(), "block_migration": false, "disk_over_commit": false]], version: "2.24")
            #expect(old.status == 400 && old.message.hasPrefix("No valid host") == true, "\(old.body)")
            #expect(try await cloud.server(id)["OS-EXT-STS:task_state"] is NSNull)
            // From 2.34 the answer comes first and the failure shows on the migration.
            let r = try await ResizeTests.action(cloud, id, ["os-migrateLive": ["host": NSNull(), "block_migration": "auto"]],
                                                 version: "2.34")
            #expect(r.status == 202, "\(r.body)")
            try await cloud.waitUntil("the live migration is error") {
                try await Self.migration(cloud, id)?["status"] as? String == "error"
            }
            try await Self.settled(cloud, id, on: source)
            #expect(try await cloud.status(id) == "ACTIVE")
            #expect(try await ResizeTests.used(cloud) == before)
            #expect(try await cloud.store.auditAllocations().isClean)
        }
    }

    /// A live migration whose source died: stalled before the copy (queued) the server is ACTIVE where it was;
    /// stalled while copying (running) it is ERROR with a fault; neither keeps a task state or a second claim.
    @Test func stalledLiveMigrationsAreSettled() async throws {
        try await Cloud.with(hosts: 2) { cloud in
            let (a, _) = try await ResizeTests.bootSmall(cloud, "qa")
            let b = try #require(try await cloud.boot("qb", extra: ["flavorRef": "small"]).first)
            try await cloud.waitFor(b, status: "ACTIVE")
            let before = try await ResizeTests.used(cloud)
            for (id, status) in [(a, "queued"), (b, "running")] {
                let uuid = try #require(UUID(uuidString: id))
                let i = try await cloud.store.updateInstance(uuid, InstanceUpdate(taskState: .some(.migrating),
                                                                                 expectedTaskStates: [nil]))
                let m = try await cloud.store.startMigration(MigrationRecord(
                    instanceUUID: uuid, kind: .liveMigration, status: "accepted", sourceCompute: i.host ?? "",
                    sourceNode: i.node ?? "", oldFlavor: i.flavor, newFlavor: i.flavor, oldVMState: .active,
                    projectID: i.projectID, userID: i.userID), expectedTaskState: .migrating)
                try await cloud.store.applyMigrationStep(MigrationStep(migrationUUID: m.uuid, expectedStatuses: ["accepted"],
                                                                       status: status))
            }
            let conductor = cloud.aio.conductor
            #expect(try await conductor.sweepStalledMoves(serviceDownTime: 60) == 0)
            #expect(try await conductor.sweepStalledMoves(serviceDownTime: 60, now: Date().addingTimeInterval(3600)) == 2)
            #expect(try await cloud.status(a) == "ACTIVE")
            #expect(try await cloud.status(b) == "ERROR")
            for id in [a, b] { #expect(try await cloud.server(id)["OS-EXT-STS:task_state"] is NSNull) }
            #expect(try await ResizeTests.used(cloud) == before)
            #expect(try await cloud.store.auditAllocations().isClean)
        }
    }
}
