import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import NimbusTestCloud
import Testing

/// Rebuild on the fake driver (issue 15, item 4): new image, name, metadata, key and user data on the same host
/// and claim, Nova's body per microversion and its task states, never stuck.
@Suite struct RebuildTests {
    static func action(_ cloud: Cloud, _ id: String, _ body: [String: Any], version: String = "2.100") async throws -> Answer {
        try await cloud.call("POST", "/v2.1/servers/\(id)/action", body, version: version)
    }

    @Test func rebuildKeepsHostAndClaimAndChangesTheServer() async throws {
        try await Cloud.with(hosts: 2) { cloud in
            let id = try #require(try await cloud.boot("rb", extra: ["metadata": ["old": "1"]]).first)
            try await cloud.waitFor(id, status: "ACTIVE")
            let host = try await cloud.server(id)["OS-EXT-SRV-ATTR:host"] as? String
            let used = try await cloud.store.computeNodes().map(\.used)
            let userData = Data("#!/bin/sh\necho rebuilt\n".utf8).base64EncodedString()
            let r = try await Self.action(cloud, id, ["rebuild": [
                "imageRef": "cirros-2", "name": "rb-new", "metadata": ["new": "2"], "key_name": NSNull(),
                "user_data": userData, "preserve_ephemeral": true, "adminPass": "s3cret",
            ] as [String: Any]])
            #expect(r.status == 202, "\(r.body)")
            let body = try #require(r["server"] as? [String: Any])
            #expect(body["adminPass"] as? String == "s3cret" && body["id"] as? String == id)
            #expect(body["status"] as? String == "REBUILD")
            try await cloud.waitFor(id, status: "ACTIVE")
            let s = try await cloud.server(id)
            #expect((s["image"] as? [String: Any])?["id"] as? String == "cirros-2")
            #expect(s["name"] as? String == "rb-new")
            #expect(s["metadata"] as? [String: String] == ["new": "2"])
            #expect(s["OS-EXT-SRV-ATTR:user_data"] as? String == userData)
            #expect(s["OS-EXT-SRV-ATTR:host"] as? String == host)
            #expect(try await cloud.store.computeNodes().map(\.used) == used)
            let console = try await Self.action(cloud, id, ["os-getConsoleOutput": ["length": 5]])
            #expect((console["output"] as? String)?.contains("from image cirros-2") == true, "\(console.body)")
            let rid = try #require(r.headers["x-openstack-request-id"])
            let shown = try await cloud.call("GET", "/v2.1/servers/\(id)/os-instance-actions/\(rid)", version: "2.100")
            let events = (shown["instanceAction"] as? [String: Any])?["events"] as? [[String: Any]] ?? []
            #expect(events.map { $0["event"] as? String } == ["compute_rebuild_instance"])
            #expect(events.first?["result"] as? String == "Success")
        }
    }

    @Test func aStoppedServerIsStoppedAgainAndRefusalsChangeNothing() async throws {
        // A slow spawn keeps the accepted rebuild in flight while the others arrive: a rebuild that finished
        // first (SHUTOFF again, no task) would rightly accept a later one, as it did under load.
        try await Cloud.with(hosts: 1, ["fake.spawn_latency_ms": "1500"]) { cloud in
            let id = try #require(try await cloud.boot("rs").first)
            // key_name only from 2.54, user_data from 2.57: before, an unknown property.
            #expect(try await Self.action(cloud, id, ["rebuild": ["imageRef": "cirros", "key_name": NSNull()]],
                                          version: "2.53").status == 400)
            let badKey = try await Self.action(cloud, id, ["rebuild": ["imageRef": "cirros", "key_name": "nope"]])
            #expect(badKey.status == 400 && badKey.message == "Invalid key_name provided.")
            #expect(try await Self.action(cloud, id, ["rebuild": ["name": "x"]]).status == 400)
            #expect(try await cloud.server(id)["OS-EXT-STS:task_state"] is NSNull)
            #expect(try await Self.action(cloud, id, ["os-stop": NSNull()]).status == 202)
            try await cloud.waitFor(id, status: "SHUTOFF")
            // Racing rebuilds: one is accepted, the others are Nova's 409.
            let answers = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<5 {
                    group.addTask { try await Self.action(cloud, id, ["rebuild": ["imageRef": "cirros"]]).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(answers.filter { $0 == 202 }.count == 1 && answers.allSatisfy { $0 == 202 || $0 == 409 }, "\(answers)")
            try await cloud.waitUntil("the rebuild is over") {
                try await cloud.server(id)["OS-EXT-STS:task_state"] is NSNull
            }
            #expect(try await cloud.status(id) == "SHUTOFF")
        }
    }
}
