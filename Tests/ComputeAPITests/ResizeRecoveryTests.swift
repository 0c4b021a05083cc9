import BuiltinPlugins
import Foundation
import NimbusConductor
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import NimbusTestCloud
import Testing

@testable import NimbusDaemons

/// The edges of a resize: one host holding both claims, the auto-confirm of `resize_confirm_window`, a delete
/// in VERIFY_RESIZE, and moves whose daemon died between two steps (the conductor's sweep settles them).
@Suite struct ResizeRecoveryTests {
    typealias R = ResizeTests

    /// `allow_resize_to_same_host`: the one host holds the old flavor (migration) and the new one (instance)
    /// until confirm, which keeps the running guest and frees only the old claim.
    @Test func sameHostResizeDoubleCountsUntilConfirm() async throws {
        try await Cloud.with(hosts: 1, ["DEFAULT.allow_resize_to_same_host": "true"]) { cloud in
            let (id, host) = try await R.bootSmall(cloud, "sh")
            let before = try #require(try await R.used(cloud)[host])
            #expect(try await R.action(cloud, id, ["resize": ["flavorRef": "big"]]).status == 202)
            try await cloud.waitFor(id, status: "VERIFY_RESIZE")
            let during = try #require(try await R.used(cloud)[host])
            #expect(during.memoryMB == before.memoryMB + R.big.memoryMB)
            #expect(try await R.action(cloud, id, ["confirmResize": NSNull()]).status == 204)
            try await R.waitMigration(cloud, id, "confirmed")
            try await cloud.waitFor(id, status: "ACTIVE")
            let after = try #require(try await R.used(cloud)[host])
            #expect(after.memoryMB == before.memoryMB - R.small.memoryMB + R.big.memoryMB)
            let console = try await R.action(cloud, id, ["os-getConsoleOutput": ["length": 2]])
            #expect((console["output"] as? String)?.contains("Resized to flavor big") == true, "\(console.body)")
        }
    }

    /// Past the window the conductor confirms as the user would (a `confirmResize` action, the source freed).
    @Test func resizeConfirmWindowConfirmsOverdueResizes() async throws {
        // A window the conductor's own periodic never reaches during the test (a 1 s window let it confirm first
        // under load, and the explicit call below then found nothing).
        try await Cloud.with(hosts: 2, ["DEFAULT.resize_confirm_window": "600"]) { cloud in
            let (id, source) = try await R.bootSmall(cloud, "ac")
            let before = try await R.used(cloud)
            #expect(try await R.action(cloud, id, ["resize": ["flavorRef": "big"]]).status == 202)
            try await cloud.waitFor(id, status: "VERIFY_RESIZE")
            // Not overdue yet at the time of the resize itself.
            #expect(try await cloud.aio.conductor.confirmOverdueResizes(now: Date().addingTimeInterval(-3600)) == 0)
            #expect(try await cloud.aio.conductor.confirmOverdueResizes(now: Date().addingTimeInterval(3600)) == 1)
            try await R.waitMigration(cloud, id, "confirmed")
            try await cloud.waitFor(id, status: "ACTIVE")
            #expect(try await R.used(cloud)[source]?.memoryMB == (before[source]?.memoryMB ?? 0) - R.small.memoryMB)
            let actions = try await cloud.call("GET", "/v2.1/servers/\(id)/os-instance-actions", version: "2.100")
            let names = (actions["instanceActions"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(names.contains("confirmResize"), "\(names)")
        }
    }

    /// Deleting a server waiting in VERIFY_RESIZE frees both claims.
    @Test func deleteInVerifyResizeFreesBothClaims() async throws {
        try await Cloud.with(hosts: 2) { cloud in
            let (id, _) = try await R.bootSmall(cloud, "dl")
            let before = try await R.used(cloud)
            #expect(try await R.action(cloud, id, ["resize": ["flavorRef": "big"]]).status == 202)
            try await cloud.waitFor(id, status: "VERIFY_RESIZE")
            #expect(try await cloud.call("DELETE", "/v2.1/servers/\(id)").status == 204)
            try await cloud.waitUntil("\(id) is gone") { try await cloud.call("GET", "/v2.1/servers/\(id)").status == 404 }
            let after = try await R.used(cloud)
            for (host, used) in after { #expect(used.memoryMB <= before[host]?.memoryMB ?? 0, "\(host)") }
            #expect(after.values.map(\.memoryMB).reduce(0, +) == before.values.map(\.memoryMB).reduce(0, +) - R.small.memoryMB)
            #expect(try await cloud.store.auditAllocations().isClean)
        }
    }

    /// A conductor killed after it wrote the migration (pre-migrating: nothing touched) and a source compute
    /// killed mid-move (migrating): after the stall the sweep leaves the server ACTIVE, resp. ERROR with a fault,
    /// never in a task state, and the usage is again the sum of the servers' flavors.
    @Test func stalledMovesAreSettledWithTheirClaimsBackOnTheSource() async throws {
        try await Cloud.with(hosts: 2) { cloud in
            let (a, _) = try await R.bootSmall(cloud, "sa")
            let b = try #require(try await cloud.boot("sb", extra: ["flavorRef": "small"]).first)
            try await cloud.waitFor(b, status: "ACTIVE")
            let before = try await R.used(cloud)
            let big = try #require(try await cloud.store.flavor(id: "big"))
            for (id, status) in [(a, "pre-migrating"), (b, "migrating")] {
                let uuid = try #require(UUID(uuidString: id))
                let i = try await cloud.store.updateInstance(uuid, InstanceUpdate(taskState: .some(.resizePrep),
                                                                                 expectedTaskStates: [nil]))
                let m = try await cloud.store.startMigration(MigrationRecord(
                    instanceUUID: uuid, kind: .resize, status: "pre-migrating", sourceCompute: i.host ?? "",
                    sourceNode: i.node ?? "", oldFlavor: i.flavor, newFlavor: big, oldVMState: .active,
                    projectID: i.projectID, userID: i.userID), expectedTaskState: .resizePrep)
                if status == "migrating" {
                    try await cloud.store.applyMigrationStep(MigrationStep(
                        migrationUUID: m.uuid, expectedStatuses: ["pre-migrating"], status: "migrating",
                        instance: InstanceUpdate(taskState: .some(.resizeMigrating), expectedTaskStates: [.resizePrep])))
                }
            }
            let conductor = cloud.aio.conductor
            // Not stalled yet: nothing is touched.
            #expect(try await conductor.sweepStalledMoves(serviceDownTime: 60) == 0)
            #expect(try await conductor.sweepStalledMoves(serviceDownTime: 60, now: Date().addingTimeInterval(3600)) == 2)
            #expect(try await cloud.status(a) == "ACTIVE")
            #expect(try await cloud.status(b) == "ERROR")
            for id in [a, b] { #expect(try await cloud.server(id)["OS-EXT-STS:task_state"] is NSNull) }
            let fault = try await cloud.server(b)["fault"] as? [String: Any]
            #expect((fault?["message"] as? String)?.contains("stopped at migrating") == true, "\(fault ?? [:])")
            #expect(try await R.used(cloud) == before)
            #expect(try await cloud.store.auditAllocations().isClean)
        }
    }
}
