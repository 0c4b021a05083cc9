import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import Testing

/// `nimbus manage audit`'s third check: instances whose task_state outlived every action and sweep.
@Suite struct StuckTaskTests {
    @Test func onlyLiveInstancesInATaskStateOlderThanTheCutoffAreStuck() async throws {
        let store = try openStore()
        let busy = Make.instance("busy"), idle = Make.instance("idle"), gone = Make.instance("gone")
        try await store.createInstances([busy, idle, gone], spec: Make.spec(busy.flavor).build(), requestID: "r")
        try await store.updateInstance(busy.uuid, InstanceUpdate(taskState: .some(.spawning)))
        try await store.updateInstance(idle.uuid, InstanceUpdate(vmState: .active, taskState: .some(nil)))
        try await store.updateInstance(gone.uuid, InstanceUpdate(taskState: .some(.spawning)))
        try await store.markDeleted(gone.uuid)
        let later = Date().addingTimeInterval(60)
        let stuck = try await store.instancesInTaskState(before: later)
        #expect(stuck.map(\.instance) == [busy.uuid])
        #expect(stuck.first?.taskState == "spawning" && stuck.first?.vmState == "building")
        // Changed within the window: not stuck.
        #expect(try await store.instancesInTaskState(before: Date().addingTimeInterval(-60)).isEmpty)
    }
}
