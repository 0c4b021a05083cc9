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
}
