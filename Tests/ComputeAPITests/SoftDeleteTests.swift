import Foundation
import NimbusConductor
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import NimbusTestCloud
import Testing

@testable import NimbusDaemons

/// Soft delete with `reclaim_instance_interval` (issue 15, item 6): DELETE leaves the server SOFT_DELETED,
/// powered off and still holding its claim; `restore` brings it back ACTIVE; the conductor's reclaim deletes it
/// for good only once the interval has passed, freeing the claim; `forceDelete` deletes at once.
@Suite struct SoftDeleteTests {
    static let settings = ["DEFAULT.reclaim_instance_interval": "3600"]
    static let none = Resources(vcpus: 0, memoryMB: 0, diskGB: 0)

    static func delete(_ cloud: Cloud, _ id: String) async throws -> Int {
        try await cloud.call("DELETE", "/v2.1/servers/\(id)", version: "2.100").status
    }

    static func gone(_ cloud: Cloud, _ id: String) async throws {
        try await cloud.waitUntil("\(id) is gone") {
            try await cloud.call("GET", "/v2.1/servers/\(id)", version: "2.100").status == 404
        }
    }

    @Test func deleteRestoreAndReclaimWithTheClaimCheckedAfterEachStep() async throws {
        try await Cloud.with(hosts: 1, Self.settings) { cloud in
            let (id, host) = try await ResizeTests.bootSmall(cloud, "sd")
            #expect(try await ResizeTests.used(cloud)[host] == ResizeTests.small)
            let early = try await ResizeTests.action(cloud, id, ["restore": NSNull()])
            #expect(early.status == 409 && early.message == "Cannot 'restore' instance \(id) while it is in vm_state active")

            #expect(try await Self.delete(cloud, id) == 204)
            try await cloud.waitFor(id, status: "SOFT_DELETED")
            var s = try await cloud.server(id)
            #expect(s["OS-EXT-STS:task_state"] is NSNull && s["OS-EXT-STS:vm_state"] as? String == "soft-delete")
            #expect(s["OS-EXT-STS:power_state"] as? Int == 4, "powered off: \(s)")
            #expect(try await ResizeTests.used(cloud)[host] == ResizeTests.small, "the claim is kept")
            let listed = try await cloud.call("GET", "/v2.1/servers", version: "2.100")
            #expect((listed["servers"] as? [[String: Any]])?.contains { $0["id"] as? String == id } == true)
            #expect(try await cloud.aio.conductor.reclaimQueuedDeletes(serviceDownTime: 60) == 0, "not due yet")

            #expect(try await ResizeTests.action(cloud, id, ["restore": NSNull()]).status == 202)
            try await cloud.waitFor(id, status: "ACTIVE")
            s = try await cloud.server(id)
            #expect(s["OS-EXT-STS:power_state"] as? Int == 1 && s["OS-EXT-STS:task_state"] is NSNull)
            #expect(try await ResizeTests.used(cloud)[host] == ResizeTests.small)
            let twice = try await ResizeTests.action(cloud, id, ["restore": NSNull()])
            #expect(twice.status == 409)

            #expect(try await Self.delete(cloud, id) == 204)
            try await cloud.waitFor(id, status: "SOFT_DELETED")
            // A restore is possible until the interval has passed; after it, the reclaim deletes for good.
            let later = Date().addingTimeInterval(3601)
            #expect(try await cloud.aio.conductor.reclaimQueuedDeletes(serviceDownTime: 60, now: later) == 1)
            try await Self.gone(cloud, id)
            #expect(try await ResizeTests.used(cloud)[host] == Self.none, "the reclaim freed the claim")
        }
    }

    @Test func forceDeleteDeletesASoftDeletedServerAtOnce() async throws {
        try await Cloud.with(hosts: 1, Self.settings) { cloud in
            let (id, host) = try await ResizeTests.bootSmall(cloud, "fd")
            #expect(try await Self.delete(cloud, id) == 204)
            try await cloud.waitFor(id, status: "SOFT_DELETED")
            let events = try await cloud.call("GET", "/v2.1/servers/\(id)/os-instance-actions", version: "2.100")
            let names = (events["instanceActions"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(names.contains("delete"), "\(names)")
            #expect(try await ResizeTests.action(cloud, id, ["forceDelete": NSNull()]).status == 202)
            try await Self.gone(cloud, id)
            #expect(try await ResizeTests.used(cloud)[host] == Self.none)
        }
    }

    /// Without the option, DELETE is immediate and restore is refused (Nova's default).
    @Test func withoutReclaimDeleteIsImmediate() async throws {
        try await Cloud.with(hosts: 1) { cloud in
            let (id, host) = try await ResizeTests.bootSmall(cloud, "hd")
            #expect(try await Self.delete(cloud, id) == 204)
            try await Self.gone(cloud, id)
            #expect(try await ResizeTests.used(cloud)[host] == Self.none)
        }
    }
}
