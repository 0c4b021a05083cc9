import BuiltinPlugins
import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import NimbusTestCloud
import Testing

/// Resize, cold migrate, confirm and revert on the fake driver across two hosts (issue 15, item 1), with the
/// claims checked after every step: the destination holds the new flavor and the source the old one while the
/// server waits in VERIFY_RESIZE; confirm frees the source, revert the destination.
@Suite struct ResizeTests {
    static let small = Resources(vcpus: 1, memoryMB: 512, diskGB: 1)
    static let big = Resources(vcpus: 2, memoryMB: 1024, diskGB: 2)

    /// What each node has claimed, by host.
    static func used(_ cloud: Cloud) async throws -> [String: Resources] {
        Dictionary(try await cloud.store.computeNodes().map { ($0.resources.hypervisorHostname, $0.used) },
                   uniquingKeysWith: { a, _ in a })
    }

    static func action(_ cloud: Cloud, _ id: String, _ body: [String: Any], version: String = "2.100") async throws -> Answer {
        try await cloud.call("POST", "/v2.1/servers/\(id)/action", body, version: version)
    }

    static func migrations(_ cloud: Cloud, _ id: String) async throws -> [[String: Any]] {
        let r = try await cloud.call("GET", "/v2.1/os-migrations?instance_uuid=\(id)", version: "2.80")
        return r["migrations"] as? [[String: Any]] ?? []
    }

    /// Boots one small server on a two-host cloud and returns its id and host.
    static func bootSmall(_ cloud: Cloud, _ name: String) async throws -> (String, String) {
        try await cloud.createFlavor("small", ram: 512, vcpus: 1, disk: 1)
        try await cloud.createFlavor("big", ram: 1024, vcpus: 2, disk: 2)
        let id = try #require(try await cloud.boot(name, extra: ["flavorRef": "small"]).first)
        try await cloud.waitFor(id, status: "ACTIVE")
        let host = try #require(try await cloud.server(id)["OS-EXT-SRV-ATTR:host"] as? String)
        return (id, host)
    }

    static func waitMigration(_ cloud: Cloud, _ id: String, _ status: String) async throws {
        try await cloud.waitUntil("migration of \(id) is \(status)") {
            try await migrations(cloud, id).first?["status"] as? String == status
        }
    }

    @Test func resizeThenConfirmMovesTheClaimToTheNewFlavorOnAnotherHost() async throws {
        try await Cloud.with(hosts: 2) { cloud in
            let (id, source) = try await Self.bootSmall(cloud, "rz")
            let before = try await Self.used(cloud)
            #expect(try await Self.action(cloud, id, ["resize": ["flavorRef": "big"]]).status == 202)
            try await cloud.waitFor(id, status: "VERIFY_RESIZE")
            let s = try await cloud.server(id)
            let dest = try #require(s["OS-EXT-SRV-ATTR:host"] as? String)
            #expect(dest != source, "allow_resize_to_same_host is false by default")
            #expect((s["flavor"] as? [String: Any])?["original_name"] as? String == "big")
            #expect(s["OS-EXT-STS:task_state"] is NSNull)
            // Both claims while the user decides: the old flavor at the source, the new one at the destination.
            var now = try await Self.used(cloud)
            #expect(now[source] == before[source])
            #expect(now[dest]?.vcpus == (before[dest]?.vcpus ?? 0) + Self.big.vcpus)
            #expect(now[dest]?.memoryMB == (before[dest]?.memoryMB ?? 0) + Self.big.memoryMB)
            #expect(try await cloud.store.auditAllocations().isClean)
            let m = try #require(try await Self.migrations(cloud, id).first)
            #expect(m["status"] as? String == "finished" && m["migration_type"] as? String == "resize")
            #expect(m["source_compute"] as? String == source && m["dest_compute"] as? String == dest)
            // Nova answers 204 to confirmResize.
            #expect(try await Self.action(cloud, id, ["confirmResize": NSNull()]).status == 204)
            try await cloud.waitFor(id, status: "ACTIVE")
            try await Self.waitMigration(cloud, id, "confirmed")
            now = try await Self.used(cloud)
            #expect(now[source]?.vcpus == (before[source]?.vcpus ?? 0) - Self.small.vcpus)
            #expect(now[source]?.memoryMB == (before[source]?.memoryMB ?? 0) - Self.small.memoryMB)
            #expect(now[dest]?.memoryMB == (before[dest]?.memoryMB ?? 0) + Self.big.memoryMB)
            #expect(try await cloud.store.auditAllocations().isClean)
            // Each step is an event of the request's action, as `openstack server event show` lists them.
            let actions = try await cloud.call("GET", "/v2.1/servers/\(id)/os-instance-actions", version: "2.100")
            let list = actions["instanceActions"] as? [[String: Any]] ?? []
            #expect(Set(list.compactMap { $0["action"] as? String }).isSuperset(of: ["create", "resize", "confirmResize"]))
            let resize = try #require(list.first { $0["action"] as? String == "resize" }?["request_id"] as? String)
            let shown = try await cloud.call("GET", "/v2.1/servers/\(id)/os-instance-actions/\(resize)", version: "2.100")
            let events = ((shown["instanceAction"] as? [String: Any])?["events"] as? [[String: Any]] ?? [])
            let names = Set(events.compactMap { $0["event"] as? String })
            #expect(names == ["conductor_migrate_server", "compute_prep_resize", "compute_resize_instance",
                              "compute_finish_resize"], "\(names)")
            #expect(events.allSatisfy { $0["result"] as? String == "Success" }, "\(events)")
        }
    }

    @Test func revertRestoresTheOldFlavorHostAndClaim() async throws {
        try await Cloud.with(hosts: 2) { cloud in
            let (id, source) = try await Self.bootSmall(cloud, "rv")
            let before = try await Self.used(cloud)
            #expect(try await Self.action(cloud, id, ["resize": ["flavorRef": "big"]]).status == 202)
            try await cloud.waitFor(id, status: "VERIFY_RESIZE")
            #expect(try await Self.action(cloud, id, ["revertResize": NSNull()]).status == 202)
            try await cloud.waitFor(id, status: "ACTIVE")
            try await Self.waitMigration(cloud, id, "reverted")
            let s = try await cloud.server(id)
            #expect(s["OS-EXT-SRV-ATTR:host"] as? String == source)
            #expect((s["flavor"] as? [String: Any])?["original_name"] as? String == "small")
            #expect(try await Self.used(cloud) == before)
            #expect(try await cloud.store.auditAllocations().isClean)
            // The guest runs again on the source with its old size.
            let console = try await Self.action(cloud, id, ["os-getConsoleOutput": ["length": 1]])
            #expect(console.status == 200 && (console["output"] as? String)?.contains("Reverted") == true, "\(console.body)")
        }
    }

    @Test func coldMigrateOfAStoppedServerKeepsItStopped() async throws {
        try await Cloud.with(hosts: 2) { cloud in
            let (id, source) = try await Self.bootSmall(cloud, "cm")
            #expect(try await Self.action(cloud, id, ["os-stop": NSNull()]).status == 202)
            try await cloud.waitFor(id, status: "SHUTOFF")
            let before = try await Self.used(cloud)
            // Same host as the server's: Nova's 400 (2.56 body).
            let same = try await Self.action(cloud, id, ["migrate": ["host": source]], version: "2.56")
            #expect(same.status == 400)
            #expect(try await Self.action(cloud, id, ["migrate": NSNull()]).status == 202)
            try await cloud.waitFor(id, status: "VERIFY_RESIZE")
            let m = try #require(try await Self.migrations(cloud, id).first)
            #expect(m["migration_type"] as? String == "migration")
            #expect(m["old_instance_type_id"] as? String == m["new_instance_type_id"] as? String)
            #expect(try await Self.action(cloud, id, ["confirmResize": NSNull()]).status == 204)
            try await cloud.waitFor(id, status: "SHUTOFF")
            try await Self.waitMigration(cloud, id, "confirmed")
            let after = try await Self.used(cloud)
            let dest = try #require(try await cloud.server(id)["OS-EXT-SRV-ATTR:host"] as? String)
            #expect(dest != source)
            #expect(after[source]?.memoryMB == (before[source]?.memoryMB ?? 0) - Self.small.memoryMB)
            #expect(after[dest]?.memoryMB == (before[dest]?.memoryMB ?? 0) + Self.small.memoryMB)
        }
    }

    @Test func refusalsLeaveNothingBehind() async throws {
        try await Cloud.with(hosts: 1) { cloud in
            let (id, _) = try await Self.bootSmall(cloud, "rf")
            let before = try await Self.used(cloud)
            let same = try await Self.action(cloud, id, ["resize": ["flavorRef": "small"]])
            #expect(same.status == 400 && same.message == "When resizing, instances must change flavor!")
            #expect(try await Self.action(cloud, id, ["resize": ["flavorRef": "nope"]]).status == 400)
            #expect(try await Self.action(cloud, id, ["resize": [:] as [String: Any]]).status == 400)
            let confirm = try await Self.action(cloud, id, ["confirmResize": NSNull()])
            #expect(confirm.status == 409)
            #expect(confirm.message == "Cannot 'confirmResize' instance \(id) while it is in vm_state active")
            // One host and no same-host resize: NoValidHost in the conductor. The server stays ACTIVE with no
            // task state, the migration is `error`, the claim is back on the instance.
            #expect(try await Self.action(cloud, id, ["resize": ["flavorRef": "big"]]).status == 202)
            try await Self.waitMigration(cloud, id, "error")
            try await cloud.waitUntil("the task state is cleared") {
                try await cloud.server(id)["OS-EXT-STS:task_state"] is NSNull
            }
            #expect(try await cloud.status(id) == "ACTIVE")
            #expect(try await Self.used(cloud) == before)
            #expect(try await cloud.store.auditAllocations().isClean)
        }
    }

    /// Racing resizes of one server: one is accepted, the others get Nova's 409.
    @Test func parallelResizesAcceptExactlyOne() async throws {
        try await Cloud.with(hosts: 2) { cloud in
            let (id, _) = try await Self.bootSmall(cloud, "pr")
            let answers = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<6 { group.addTask { try await Self.action(cloud, id, ["resize": ["flavorRef": "big"]]).status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(answers.filter { $0 == 202 }.count == 1, "\(answers)")
            #expect(answers.filter { $0 != 202 }.allSatisfy { $0 == 409 }, "\(answers)")
            try await cloud.waitFor(id, status: "VERIFY_RESIZE")
            #expect(try await Self.migrations(cloud, id).count == 1)
        }
    }

    /// A host whose driver cannot move guests: the compute refuses, the move is undone, nothing is stuck.
    @Test func aDriverWithoutMigrationUndoesTheMove() async throws {
        // One host (the test driver names every node alike) that may take the resize itself.
        var overrides = DriverCapabilityTests.limited
        overrides["DEFAULT.allow_resize_to_same_host"] = "true"
        try await Cloud.with(hosts: 1, overrides, registry: DriverCapabilityTests.registry) { cloud in
            let (id, source) = try await Self.bootSmall(cloud, "nm")
            let before = try await Self.used(cloud)
            #expect(try await Self.action(cloud, id, ["resize": ["flavorRef": "big"]]).status == 202)
            try await Self.waitMigration(cloud, id, "error")
            try await cloud.waitUntil("the task state is cleared") {
                try await cloud.server(id)["OS-EXT-STS:task_state"] is NSNull
            }
            let s = try await cloud.server(id)
            #expect(s["status"] as? String == "ACTIVE" && s["OS-EXT-SRV-ATTR:host"] as? String == source)
            #expect(try await Self.used(cloud) == before)
            #expect(try await cloud.store.auditAllocations().isClean)
        }
    }
}
