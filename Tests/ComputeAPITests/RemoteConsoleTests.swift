import BuiltinPlugins
import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import NimbusTestCloud
import Testing

/// Remote consoles through the API (issue 14): a console auth token per request, Nova's URLs and errors.
@Suite struct RemoteConsoleTests {
    static let serial = ["serial_console.enabled": "true"]

    /// The token inside a noVNC URL (`…?path=%3Ftoken%3D<token>`) or a serial one (`…?token=<token>`).
    static func token(_ url: String) -> String? {
        guard let c = URLComponents(string: url) else { return nil }
        if let path = c.queryItems?.first(where: { $0.name == "path" })?.value {
            return URLComponents(string: path)?.queryItems?.first { $0.name == "token" }?.value
        }
        return c.queryItems?.first { $0.name == "token" }?.value
    }

    @Test func vncAndSerialURLsCarryAValidToken() async throws {
        try await Cloud.with(hosts: 1, Self.serial) { cloud in
            let id = try #require(try await cloud.boot("vm").first)
            try await cloud.waitFor(id, status: "ACTIVE")
            let r = try await cloud.call("POST", "/v2.1/servers/\(id)/remote-consoles",
                                         ["remote_console": ["protocol": "vnc", "type": "novnc"]], version: "2.6")
            #expect(r.status == 200, "\(r.body)")
            let rc = try #require(r["remote_console"] as? [String: Any])
            #expect(rc["protocol"] as? String == "vnc" && rc["type"] as? String == "novnc")
            let url = try #require(rc["url"] as? String)
            #expect(url.hasPrefix("http://127.0.0.1:6080/vnc_auto.html?path=%3Ftoken%3D"), "\(url)")
            let token = try #require(Self.token(url))

            // The admin API shows where the token leads (2.31+; a bare 400 before).
            let t = try await cloud.call("GET", "/v2.1/os-console-auth-tokens/\(token)", version: "2.31")
            #expect(t.status == 200, "\(t.body)")
            let c = try #require(t["console"] as? [String: Any])
            #expect(c["instance_uuid"] as? String == id && c["host"] as? String == "127.0.0.1")
            #expect((c["port"] as? Int ?? 0) > 0 && c.keys.contains("internal_access_path") && c["tls_port"] == nil)
            #expect(try await cloud.call("GET", "/v2.1/os-console-auth-tokens/\(token)", version: "2.30").status == 400)
            let unknown = try await cloud.call("GET", "/v2.1/os-console-auth-tokens/\(UUID())", version: "2.31")
            #expect(unknown.status == 404 && unknown.message == "Token not found")

            // Serial (enabled here), then the 2.1–2.5 actions.
            let s = try await cloud.call("POST", "/v2.1/servers/\(id)/remote-consoles",
                                         ["remote_console": ["protocol": "serial", "type": "serial"]], version: "2.6")
            let surl = try #require((s["remote_console"] as? [String: Any])?["url"] as? String, "\(s.body)")
            #expect(surl.hasPrefix("ws://127.0.0.1:6083/?token="), "\(surl)")
            let action = "/v2.1/servers/\(id)/action"
            let old = try await cloud.call("POST", action, ["os-getVNCConsole": ["type": "novnc"]], version: "2.5")
            #expect(old.status == 200 && (old["console"] as? [String: Any])?["type"] as? String == "novnc", "\(old.body)")
            let oldSerial = try await cloud.call("POST", action, ["os-getSerialConsole": ["type": "serial"]], version: "2.1")
            #expect(oldSerial.status == 200, "\(oldSerial.body)")
            #expect(try await cloud.call("POST", action, ["os-getVNCConsole": ["type": "novnc"]], version: "2.6").status == 404)

            // Deleting the server drops its tokens.
            let uuid = try #require(UUID(uuidString: id))
            #expect(try await cloud.store.consoleTokenCount(instance: uuid) == 4)
            #expect(try await cloud.call("DELETE", "/v2.1/servers/\(id)").status == 204)
            try await cloud.waitUntil("tokens gone") { try await cloud.store.consoleTokenCount(instance: uuid) == 0 }
            #expect(try await cloud.call("GET", "/v2.1/os-console-auth-tokens/\(token)", version: "2.31").status == 404)
        }
    }

    @Test func novasErrors() async throws {
        try await Cloud.with(hosts: 1) { cloud in
            let id = try #require(try await cloud.boot("vm").first)
            try await cloud.waitFor(id, status: "ACTIVE")
            let consoles = "/v2.1/servers/\(id)/remote-consoles"
            func post(_ proto: String, _ type: String, _ version: String = "2.99") async throws -> HTTPAnswer {
                try await cloud.call("POST", consoles, ["remote_console": ["protocol": proto, "type": type]], version: version)
            }
            // Serial is off by default: the compute's ConsoleTypeUnavailable.
            let serial = try await post("serial", "serial")
            #expect(serial.status == 400 && serial.message == "Unavailable console type serial.", "\(serial.body)")
            // The schema lets a mismatched pair through; the compute refuses it.
            let mismatch = try await post("vnc", "serial")
            #expect(mismatch.status == 400 && mismatch.message == "Invalid console type serial", "\(mismatch.body)")
            #expect(try await post("vnc", "xvpvnc").status == 400)
            #expect(try await post("spice", "spice-html5").message == "Unavailable console type spice-html5.")
            #expect(try await post("rdp", "rdp-html5").message == "Unavailable console type rdp.")
            #expect(try await post("mks", "webmks").status == 400)
            #expect(try await post("mks", "webmks", "2.6").message.contains("is not one of"))
            #expect(try await post("telnet", "x").status == 400)
            #expect(try await post("vnc", "novnc", "2.5").status == 404)
            #expect(try await cloud.call("POST", "/v2.1/servers/\(UUID())/remote-consoles",
                                         ["remote_console": ["protocol": "vnc", "type": "novnc"]], version: "2.6").status == 404)
            let action = "/v2.1/servers/\(id)/action"
            let rdp = try await cloud.call("POST", action, ["os-getRDPConsole": ["type": "rdp-html5"]], version: "2.5")
            #expect(rdp.status == 400 && rdp["badRequest"] != nil, "\(rdp.body)")
            #expect(try await cloud.call("POST", action, ["os-getVNCConsole": ["type": "spice"]], version: "2.5").status == 400)

            // A server being deleted: 409 naming the task state.
            let uuid = try #require(UUID(uuidString: id))
            _ = try await cloud.store.updateInstance(uuid, InstanceUpdate(taskState: .some(.deleting)))
            let deleting = try await post("vnc", "novnc")
            #expect(deleting.status == 409 && deleting.message == "Cannot 'create' instance \(id) while it is in task_state deleting",
                    "\(deleting.body)")
            // No host yet (building): InstanceNotReady.
            _ = try await cloud.store.updateInstance(uuid, InstanceUpdate(taskState: .some(nil), host: .some(nil)))
            let building = try await post("vnc", "novnc")
            #expect(building.status == 409 && building.message == "Instance \(id) is not ready", "\(building.body)")
        }
    }

    /// A host whose driver has no VNC console (the capability on record says so): Nova's 501.
    @Test func aDriverWithoutConsolesAnswers501() async throws {
        try await Cloud.with(hosts: 1, [DriverCapabilityTests.limited.first!.key: LimitedDriver.name],
                             registry: DriverCapabilityTests.registry) { cloud in
            try await cloud.waitUntil("the node reports capabilities") {
                guard let node = try await cloud.store.computeNodes().first?.resources.hypervisorHostname else { return false }
                return try await cloud.store.nodeCapabilities(node: node) != nil
            }
            let id = try #require(try await cloud.boot("novnc").first)
            try await cloud.waitFor(id, status: "ACTIVE")
            let r = try await cloud.call("POST", "/v2.1/servers/\(id)/remote-consoles",
                                         ["remote_console": ["protocol": "vnc", "type": "novnc"]], version: "2.6")
            #expect(r.status == 501 && r["notImplemented"] != nil, "\(r.body)")
        }
    }
}
