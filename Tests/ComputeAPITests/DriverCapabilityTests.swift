import BuiltinPlugins
import Foundation
import NimbusKernelTestKit
import NimbusTestCloud
import NimbusKernel
import NimbusStore
import Testing

/// Driver capabilities end to end (issue 11, item 6): no server action leaves a server stuck in a task state.
@Suite struct DriverCapabilityTests {
    static let limited = ["DEFAULT.compute_driver": LimitedDriver.name]
    static let registry = PluginRegistry.builtin().registering(virtDriver: LimitedDriver.self)

    /// The server's `OS-EXT-STS:task_state` (NSNull when null); the field must be there.
    static func taskState(_ cloud: Cloud, _ id: String) async throws -> Any {
        try #require(try await cloud.server(id)["OS-EXT-STS:task_state"])
    }

    /// Waits until the compute has cleared the task state the API set.
    static func settled(_ cloud: Cloud, _ id: String) async throws {
        try await cloud.waitUntil("\(id) has no task state") { try await taskState(cloud, id) is NSNull }
    }

    /// The action's record as `openstack server event show` reads it.
    static func action(_ cloud: Cloud, _ id: String, _ rid: String) async throws -> [String: Any] {
        let r = try await cloud.call("GET", "/v2.1/servers/\(id)/os-instance-actions/\(rid)", version: "2.100")
        try #require(r.status == 200, "action show answered \(r.status) \(r.body)")
        return r["instanceAction"] as? [String: Any] ?? [:]
    }

    @Test func fakeNodeReportsCapabilitiesAndNovaTraits() async throws {
        try await Cloud.with(hosts: 1) { cloud in
            try await cloud.waitUntil("fake-1 reports capabilities") {
                try await cloud.store.nodeCapabilities(node: "fake-1") != nil
            }
            let caps = try #require(try await cloud.store.nodeCapabilities(node: "fake-1"))
            #expect(caps.supports(.pause) && caps.supports(.suspend) && caps.supports(.consoleOutput))
            let traits = try #require(try await cloud.store.nodeTraits(node: "fake-1"))
            #expect(traits.contains("COMPUTE_IMAGE_TYPE_RAW") && traits.contains("COMPUTE_IMAGE_TYPE_QCOW2"))
            // Pause is not a trait in Nova: kept as a capability only.
            #expect(traits.allSatisfy { $0.hasPrefix("COMPUTE_") } && !traits.contains { $0.contains("PAUSE") })
        }
    }

    /// The API knows the host cannot pause: Nova's 501 before any task state is set or anything is cast.
    @Test func pauseOnADriverWithoutItIsRefusedUpFront() async throws {
        try await Cloud.with(hosts: 1, Self.limited, registry: Self.registry) { cloud in
            try await cloud.waitUntil("the node reports capabilities") {
                guard let node = try await cloud.store.computeNodes().first?.resources.hypervisorHostname else { return false }
                return try await cloud.store.nodeCapabilities(node: node) != nil
            }
            let id = try #require(try await cloud.boot("nopause").first)
            try await cloud.waitFor(id, status: "ACTIVE")
            let r = try await cloud.call("POST", "/v2.1/servers/\(id)/action", ["pause": NSNull()], version: "2.100")
            #expect(r.status == 501)
            #expect(r.body["notImplemented"] != nil, "\(r.body)")
            #expect(try await cloud.status(id) == "ACTIVE")
            #expect(try await Self.taskState(cloud, id) is NSNull)
            let actions = try await cloud.call("GET", "/v2.1/servers/\(id)/os-instance-actions", version: "2.100")
            let names = (actions["instanceActions"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(!names.contains("pause"), "a refused action is not recorded: \(names)")
        }
    }

    /// The API cannot know (the compute, pinned to conductor 3.0, reported no capabilities): the compute refuses,
    /// records a fault and a failed event, and clears the task state (Nova's decorators).
    @Test func pauseUnknownToTheAPIIsRevertedByTheCompute() async throws {
        var overrides = Self.limited
        overrides["upgrade_levels.conductor"] = "3.0"
        try await Cloud.with(hosts: 1, overrides, registry: Self.registry) { cloud in
            let id = try #require(try await cloud.boot("pinned").first)
            try await cloud.waitFor(id, status: "ACTIVE")
            let node = try #require(try await cloud.store.computeNodes().first?.resources.hypervisorHostname)
            #expect(try await cloud.store.nodeCapabilities(node: node) == nil)
            let r = try await cloud.call("POST", "/v2.1/servers/\(id)/action", ["pause": NSNull()], version: "2.100")
            #expect(r.status == 202)
            let rid = try #require(r.headers["x-openstack-request-id"])
            try await Self.settled(cloud, id)
            #expect(try await cloud.status(id) == "ACTIVE")
            let uuid = try #require(UUID(uuidString: id))
            let fault = try #require(try await cloud.store.latestFault(uuid))
            #expect(fault.message.contains("does not support pause"), "\(fault.message)")
            let action = try await Self.action(cloud, id, rid)
            #expect(action["action"] as? String == "pause")
            #expect(action["message"] as? String == "Error")
            let events = action["events"] as? [[String: Any]] ?? []
            #expect(events.count == 1)
            #expect(events.first?["event"] as? String == "compute_pause_instance")
            #expect(events.first?["result"] as? String == "Error")
        }
    }

    /// The driver supports the action but its call throws: reverted, faulted, failed event; a working action on the
    /// same server still records Success.
    @Test func aThrowingDriverCallIsRevertedWithAFaultAndAFailedEvent() async throws {
        try await Cloud.with(hosts: 1, Self.limited, registry: Self.registry) { cloud in
            let id = try #require(try await cloud.boot("throws").first)
            try await cloud.waitFor(id, status: "ACTIVE")
            let r = try await cloud.call("POST", "/v2.1/servers/\(id)/action", ["suspend": NSNull()], version: "2.100")
            #expect(r.status == 202)
            let rid = try #require(r.headers["x-openstack-request-id"])
            try await Self.settled(cloud, id)
            #expect(try await cloud.status(id) == "ACTIVE")
            let uuid = try #require(UUID(uuidString: id))
            let fault = try #require(try await cloud.store.latestFault(uuid))
            #expect(fault.code == 500 && fault.message.contains("injected: suspend refused"), "\(fault.message)")
            let action = try await Self.action(cloud, id, rid)
            #expect(action["message"] as? String == "Error")
            let event = try #require((action["events"] as? [[String: Any]])?.first)
            #expect(event["event"] as? String == "compute_suspend_instance")
            #expect(event["result"] as? String == "Error")
            #expect((event["traceback"] as? String)?.contains("injected") == true)

            let stop = try await cloud.call("POST", "/v2.1/servers/\(id)/action", ["os-stop": NSNull()], version: "2.100")
            #expect(stop.status == 202)
            try await cloud.waitFor(id, status: "SHUTOFF")
            let stopID = try #require(stop.headers["x-openstack-request-id"])
            try await cloud.waitUntil("the stop event is recorded") {
                (try await Self.action(cloud, id, stopID)["events"] as? [[String: Any]])?.isEmpty == false
            }
            let stopped = try await Self.action(cloud, id, stopID)
            let ok = try #require((stopped["events"] as? [[String: Any]])?.first)
            #expect(ok["event"] as? String == "compute_stop_instance" && ok["result"] as? String == "Success")
        }
    }
}
