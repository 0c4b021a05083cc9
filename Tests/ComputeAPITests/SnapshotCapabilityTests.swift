import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import NimbusTestCloud
import Testing

/// createImage on a host whose driver cannot snapshot: refused with 409 before anything changes. A snapshot that
/// fails in the driver (`[fake] fail_snapshot_hosts`): the image is deleted and the server keeps its state with no
/// task state (Nova's `@delete_image_on_error`, `reverts_task_state`), the event says Error.
@Suite struct SnapshotCapabilityTests {
    static func snapshots(_ cloud: Cloud, _ server: String) async throws -> [ImageRecord] {
        try await cloud.store.images(ImageQuery(projectID: nil, limit: 100)).filter { $0.properties["instance_uuid"] == server }
    }

    @Test func refusedUpFrontWhenTheHostCannotSnapshot() async throws {
        try await Cloud.with(hosts: 1, DriverCapabilityTests.limited, registry: DriverCapabilityTests.registry) { cloud in
            try await cloud.waitUntil("the node reports capabilities") {
                guard let node = try await cloud.store.computeNodes().first?.resources.hypervisorHostname else { return false }
                return try await cloud.store.nodeCapabilities(node: node) != nil
            }
            let id = try #require(try await cloud.boot("nosnap").first)
            try await cloud.waitFor(id, status: "ACTIVE")
            let r = try await cloud.call("POST", "/v2.1/servers/\(id)/action", ["createImage": ["name": "s"]], version: "2.100")
            #expect(r.status == 409, "\(r.body)")
            #expect(try await Self.snapshots(cloud, id).isEmpty)
            #expect(try await DriverCapabilityTests.taskState(cloud, id) is NSNull)
        }
    }

    @Test func aFailingSnapshotDeletesTheImageAndClearsTheTaskState() async throws {
        try await Cloud.with(hosts: 1, ["fake.fail_snapshot_hosts": "fake-1"]) { cloud in
            let id = try #require(try await cloud.boot("nosnap").first)
            try await cloud.waitFor(id, status: "ACTIVE")
            let r = try await cloud.call("POST", "/v2.1/servers/\(id)/action", ["createImage": ["name": "s"]], version: "2.100")
            #expect(r.status == 202, "\(r.body)")
            let rid = try #require(r.headers["x-openstack-request-id"])
            try await cloud.waitUntil("the snapshot event") {
                let events = try await DriverCapabilityTests.action(cloud, id, rid)["events"] as? [[String: Any]]
                return events?.isEmpty == false
            }
            let events = try await DriverCapabilityTests.action(cloud, id, rid)["events"] as? [[String: Any]] ?? []
            #expect(events.first?["event"] as? String == "compute_snapshot_instance")
            #expect(events.first?["result"] as? String == "Error")
            try await DriverCapabilityTests.settled(cloud, id)
            #expect(try await cloud.status(id) == "ACTIVE")
            #expect(try await Self.snapshots(cloud, id).isEmpty)
        }
    }
}
