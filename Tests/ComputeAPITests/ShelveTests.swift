import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import NimbusTestCloud
import Testing

/// Shelve, shelveOffload and unshelve on the fake driver (issue 15, item 5), with the claims checked after each
/// step: shelving offloads at once (`shelved_offload_time` = 0) and frees the host; unshelve schedules anew
/// (2.91 host) and deletes the snapshot; with offload deferred the server keeps its claim until shelveOffload.
@Suite struct ShelveTests {
    static let none = Resources(vcpus: 0, memoryMB: 0, diskGB: 0)

    static func snapshots(_ cloud: Cloud, _ server: String) async throws -> [ImageRecord] {
        try await cloud.store.images(ImageQuery(projectID: nil, limit: 100)).filter { $0.properties["instance_uuid"] == server }
    }

    static func settled(_ cloud: Cloud, _ id: String, _ status: String) async throws {
        try await cloud.waitUntil("\(id) is \(status) with no task state") {
            let s = try await cloud.server(id)
            return s["status"] as? String == status && s["OS-EXT-STS:task_state"] is NSNull
        }
    }

    @Test func shelveOffloadsAtOnceAndUnshelveLandsOnTheRequestedHost() async throws {
        try await Cloud.with(hosts: 2) { cloud in
            let (id, source) = try await ResizeTests.bootSmall(cloud, "sh")
            let other = source == "fake-1" ? "fake-2" : "fake-1"
            let early = try await ResizeTests.action(cloud, id, ["unshelve": NSNull()])
            #expect(early.status == 409 && early.message == "Cannot 'unshelve' instance \(id) while it is in vm_state active")

            #expect(try await ResizeTests.action(cloud, id, ["shelve": NSNull()]).status == 202)
            try await Self.settled(cloud, id, "SHELVED_OFFLOADED")
            var s = try await cloud.server(id)
            #expect(s["OS-EXT-SRV-ATTR:host"] is NSNull, "offloaded: no host \(s)")
            let used = try await ResizeTests.used(cloud)
            #expect(used[source] == Self.none && used[other] == Self.none, "the claim is freed: \(used)")
            let snaps = try await Self.snapshots(cloud, id)
            #expect(snaps.count == 1 && snaps.first?.status == "active" && snaps.first?.name == "sh-shelved")

            // 2.91: a host; only an admin may name one (noauth2 callers are admins).
            let r = try await ResizeTests.action(cloud, id, ["unshelve": ["host": other]], version: "2.91")
            #expect(r.status == 202, "\(r.body)")
            try await Self.settled(cloud, id, "ACTIVE")
            s = try await cloud.server(id)
            #expect(s["OS-EXT-SRV-ATTR:host"] as? String == other)
            let after = try await ResizeTests.used(cloud)
            #expect(after[other] == ResizeTests.small && after[source] == Self.none, "\(after)")
            try await cloud.waitUntil("the shelved snapshot is deleted") { try await Self.snapshots(cloud, id).isEmpty }
            let console = try await ResizeTests.action(cloud, id, ["os-getConsoleOutput": [:] as [String: Any]])
            #expect((console["output"] as? String)?.contains("from image \(snaps.first?.id ?? "-")") == true)

            let actions = try await cloud.call("GET", "/v2.1/servers/\(id)/os-instance-actions", version: "2.100")
            let names = (actions["instanceActions"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(names.contains("shelve") && names.contains("unshelve"), "\(names)")
        }
    }

    @Test func deferredOffloadKeepsTheClaimUntilShelveOffload() async throws {
        try await Cloud.with(hosts: 1, ["DEFAULT.shelved_offload_time": "-1"]) { cloud in
            let (id, host) = try await ResizeTests.bootSmall(cloud, "so")
            #expect(try await ResizeTests.action(cloud, id, ["shelve": NSNull()]).status == 202)
            try await Self.settled(cloud, id, "SHELVED")
            #expect(try await ResizeTests.used(cloud)[host] == ResizeTests.small)
            #expect(try await cloud.server(id)["OS-EXT-STS:power_state"] as? Int == 4)
            // Zone or host only for an offloaded server (409); a shelved one powers on where it is.
            let pinned = try await ResizeTests.action(cloud, id, ["unshelve": ["availability_zone": "nova"]], version: "2.77")
            #expect(pinned.status == 409, "\(pinned.body)")

            #expect(try await ResizeTests.action(cloud, id, ["shelveOffload": NSNull()]).status == 202)
            try await Self.settled(cloud, id, "SHELVED_OFFLOADED")
            #expect(try await ResizeTests.used(cloud)[host] == Self.none)
            let again = try await ResizeTests.action(cloud, id, ["shelveOffload": NSNull()])
            #expect(again.status == 409)

            let bad = try await ResizeTests.action(cloud, id, ["unshelve": ["availability_zone": "nowhere"]], version: "2.77")
            #expect(bad.status == 400, "\(bad.body)")
            #expect(try await ResizeTests.action(cloud, id, ["unshelve": NSNull()]).status == 202)
            try await Self.settled(cloud, id, "ACTIVE")
            #expect(try await ResizeTests.used(cloud)[host] == ResizeTests.small)
            try await cloud.waitUntil("the shelved snapshot is deleted") { try await Self.snapshots(cloud, id).isEmpty }
        }
    }

    /// Shelved but not offloaded: unshelve powers the guest on where it is, with no new claim.
    @Test func unshelveOfAShelvedServerPowersItOnInPlace() async throws {
        try await Cloud.with(hosts: 1, ["DEFAULT.shelved_offload_time": "-1"]) { cloud in
            let (id, host) = try await ResizeTests.bootSmall(cloud, "sp")
            #expect(try await ResizeTests.action(cloud, id, ["shelve": NSNull()]).status == 202)
            try await Self.settled(cloud, id, "SHELVED")
            #expect(try await ResizeTests.action(cloud, id, ["unshelve": NSNull()]).status == 202)
            try await Self.settled(cloud, id, "ACTIVE")
            #expect(try await cloud.server(id)["OS-EXT-STS:power_state"] as? Int == 1)
            #expect(try await ResizeTests.used(cloud)[host] == ResizeTests.small)
            try await cloud.waitUntil("the shelved snapshot is deleted") { try await Self.snapshots(cloud, id).isEmpty }
        }
    }
}
