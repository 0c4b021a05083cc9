import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import NimbusTestCloud
import Testing

@testable import NimbusDaemons

/// Evacuate on the fake driver (issue 15, item 3): refused while the source compute is up; with it forced down
/// the server is rebuilt on the other host (2.95: stopped), the source keeps its claim until its compute comes
/// back, which then frees it and completes the migration (Nova's `_destroy_evacuated_instances`).
@Suite struct EvacuateTests {
    static func forceDown(_ cloud: Cloud, _ host: String, _ down: Bool) async throws {
        let list = try await cloud.call("GET", "/v2.1/os-services?binary=nova-compute&host=\(host)", version: "2.53")
        let id = try #require((list["services"] as? [[String: Any]])?.first?["id"] as? String)
        let r = try await cloud.call("PUT", "/v2.1/os-services/\(id)", ["forced_down": down], version: "2.53")
        try #require(r.status == 200, "\(r.body)")
    }

    static func migration(_ cloud: Cloud, _ id: String) async throws -> [String: Any]? {
        let r = try await cloud.call("GET", "/v2.1/os-migrations?instance_uuid=\(id)&migration_type=evacuation",
                                     version: "2.80")
        return (r["migrations"] as? [[String: Any]])?.first
    }

    @Test func evacuateRebuildsElsewhereAndTheSourceCleansUpWhenItReturns() async throws {
        try await Cloud.with(hosts: 2) { cloud in
            let (id, source) = try await ResizeTests.bootSmall(cloud, "ev")
            let other = source == "fake-1" ? "fake-2" : "fake-1"
            let up = try await ResizeTests.action(cloud, id, ["evacuate": [:] as [String: Any]])
            #expect(up.status == 400 && up.message == "Compute service of \(source) is still in use.", "\(up.body)")
            try await Self.forceDown(cloud, source, true)
            let same = try await ResizeTests.action(cloud, id, ["evacuate": ["host": source]])
            #expect(same.status == 400)
            let unknown = try await ResizeTests.action(cloud, id, ["evacuate": ["host": "nowhere"]])
            #expect(unknown.status == 404)

            let r = try await ResizeTests.action(cloud, id, ["evacuate": [:] as [String: Any]], version: "2.95")
            #expect(r.status == 200, "\(r.body)")
            try await cloud.waitUntil("\(id) is rebuilt on \(other)") {
                let s = try await cloud.server(id)
                return s["OS-EXT-SRV-ATTR:host"] as? String == other && s["OS-EXT-STS:task_state"] is NSNull
            }
            #expect(try await cloud.status(id) == "SHUTOFF", "2.95 lands stopped")
            #expect(try await Self.migration(cloud, id)?["status"] as? String == "done")
            var used = try await ResizeTests.used(cloud)
            #expect(used[other] == ResizeTests.small && used[source] == ResizeTests.small,
                    "the source keeps its claim until it is cleaned: \(used)")

            // The source compute comes back (a restart, as after a real failure).
            await cloud.aio.stopCompute(source)
            try await Self.forceDown(cloud, source, false)
            try await cloud.aio.startCompute(source)
            try await cloud.waitUntil("the evacuation is completed") {
                try await Self.migration(cloud, id)?["status"] as? String == "completed"
            }
            used = try await ResizeTests.used(cloud)
            #expect(used[source] == Resources(vcpus: 0, memoryMB: 0, diskGB: 0) && used[other] == ResizeTests.small,
                    "\(used)")
            let actions = try await cloud.call("GET", "/v2.1/servers/\(id)/os-instance-actions", version: "2.100")
            let names = (actions["instanceActions"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(names.contains("evacuate"), "\(names)")
        }
    }

    /// Before 2.95 the evacuated server comes back ACTIVE; before 2.14 the answer carries the admin password.
    @Test func beforeTwoNinetyFiveItLandsActive() async throws {
        try await Cloud.with(hosts: 2) { cloud in
            let (id, source) = try await ResizeTests.bootSmall(cloud, "ea")
            try await Self.forceDown(cloud, source, true)
            let missing = try await ResizeTests.action(cloud, id, ["evacuate": [:] as [String: Any]], version: "2.13")
            #expect(missing.status == 400, "onSharedStorage is required before 2.14")
            let r = try await ResizeTests.action(cloud, id, ["evacuate": ["onSharedStorage": false, "adminPass": "pw"]],
                                                 version: "2.13")
            #expect(r.status == 200 && r["adminPass"] as? String == "pw", "\(r.body)")
            try await cloud.waitUntil("\(id) is rebuilt") {
                let s = try await cloud.server(id)
                return s["OS-EXT-SRV-ATTR:host"] as? String != source && s["OS-EXT-STS:task_state"] is NSNull
            }
            #expect(try await cloud.status(id) == "ACTIVE")
            // Deleted while its old host is still down: the source claim goes with it (Nova deletes the whole
            // consumer), and the host cleans up its leftover guest when it returns.
            #expect(try await cloud.call("DELETE", "/v2.1/servers/\(id)").status == 204)
            try await cloud.waitUntil("server gone") { try await cloud.call("GET", "/v2.1/servers/\(id)").status == 404 }
            let none = Resources(vcpus: 0, memoryMB: 0, diskGB: 0)
            let used = try await ResizeTests.used(cloud)
            #expect(used.values.allSatisfy { $0 == none }, "\(used)")
        }
    }
}
