import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusTestCloud
import Testing

/// Rescue and unrescue on the fake driver (issue 15, item 6): RESCUE with the rescue image on the console, back
/// to ACTIVE, and a driver without rescue leaves ERROR with a fault rather than a stuck task state.
@Suite struct RescueTests {
    static func action(_ cloud: Cloud, _ id: String, _ body: [String: Any]) async throws -> Answer {
        try await cloud.call("POST", "/v2.1/servers/\(id)/action", body, version: "2.100")
    }

    @Test func rescueThenUnrescue() async throws {
        try await Cloud.with(hosts: 1) { cloud in
            let id = try #require(try await cloud.boot("rs").first)
            let unrescue = try await Self.action(cloud, id, ["unrescue": NSNull()])
            #expect(unrescue.status == 409 && unrescue.message == "Cannot 'unrescue' instance \(id) while it is in vm_state active")
            let r = try await Self.action(cloud, id, ["rescue": ["adminPass": "pw", "rescue_image_ref": "rescue-img"]])
            #expect(r.status == 200 && r["adminPass"] as? String == "pw", "\(r.body)")
            try await cloud.waitFor(id, status: "RESCUE")
            let console = try await Self.action(cloud, id, ["os-getConsoleOutput": ["length": 1]])
            #expect((console["output"] as? String)?.contains("rescue image rescue-img") == true, "\(console.body)")
            let again = try await Self.action(cloud, id, ["rescue": NSNull()])
            #expect(again.status == 409 && again.message == "Cannot 'rescue' instance \(id) while it is in vm_state rescued")
            #expect(try await Self.action(cloud, id, ["unrescue": NSNull()]).status == 202)
            try await cloud.waitFor(id, status: "ACTIVE")
            let generated = try await Self.action(cloud, id, ["rescue": NSNull()])
            #expect(generated.status == 200 && (generated["adminPass"] as? String)?.count == 12)
            try await cloud.waitFor(id, status: "RESCUE")
        }
    }

    @Test func aDriverWithoutRescueEndsInErrorWithAFault() async throws {
        try await Cloud.with(hosts: 1, DriverCapabilityTests.limited, registry: DriverCapabilityTests.registry) { cloud in
            let id = try #require(try await cloud.boot("nr").first)
            try await cloud.waitFor(id, status: "ACTIVE")
            #expect(try await Self.action(cloud, id, ["rescue": NSNull()]).status == 200)
            try await cloud.waitFor(id, status: "ERROR")
            let s = try await cloud.server(id)
            #expect(s["OS-EXT-STS:task_state"] is NSNull)
            #expect(((s["fault"] as? [String: Any])?["message"] as? String)?.contains("cannot be rescued") == true, "\(s)")
        }
    }

    /// trigger_crash_dump (2.17+): 202, no task state; the outcome is the action's event (a stopped guest cannot
    /// take the NMI: Error, as Nova's InstanceNotRunning shows only there).
    @Test func triggerCrashDumpRecordsItsOutcomeInTheEvent() async throws {
        try await Cloud.with(hosts: 1) { cloud in
            let id = try #require(try await cloud.boot("cd").first)
            #expect(try await cloud.call("POST", "/v2.1/servers/\(id)/action", ["trigger_crash_dump": NSNull()],
                                         version: "2.16").status == 400)
            #expect(try await Self.action(cloud, id, ["trigger_crash_dump": ["x": 1]]).status == 400)
            let r = try await Self.action(cloud, id, ["trigger_crash_dump": NSNull()])
            #expect(r.status == 202)
            let rid = try #require(r.headers["x-openstack-request-id"])
            func event(_ rid: String) async throws -> [String: Any]? {
                let shown = try await cloud.call("GET", "/v2.1/servers/\(id)/os-instance-actions/\(rid)", version: "2.100")
                return ((shown["instanceAction"] as? [String: Any])?["events"] as? [[String: Any]])?.first
            }
            try await cloud.waitUntil("the crash dump event") { try await event(rid) != nil }
            #expect(try await event(rid)?["event"] as? String == "compute_trigger_crash_dump")
            #expect(try await event(rid)?["result"] as? String == "Success")
            let console = try await Self.action(cloud, id, ["os-getConsoleOutput": ["length": 1]])
            #expect((console["output"] as? String)?.contains("NMI") == true, "\(console.body)")
            #expect(try await Self.action(cloud, id, ["pause": NSNull()]).status == 202)
            try await cloud.waitFor(id, status: "PAUSED")
            let paused = try await Self.action(cloud, id, ["trigger_crash_dump": NSNull()])
            #expect(paused.status == 202)
            let prid = try #require(paused.headers["x-openstack-request-id"])
            try await cloud.waitUntil("the failed crash dump event") { try await event(prid) != nil }
            #expect(try await event(prid)?["result"] as? String == "Error")
            #expect(try await cloud.status(id) == "PAUSED")
            #expect(try await cloud.server(id)["OS-EXT-STS:task_state"] is NSNull)
        }
    }
}
