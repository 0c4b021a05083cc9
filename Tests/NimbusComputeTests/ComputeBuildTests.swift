import ComputeRPC
import ConductorRPC
import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusRPC
import Testing

/// `build_and_run_instance` on a real compute service with the fake driver, against a fake conductor.
@Suite struct ComputeBuildTests {
    @Test func aBuildWalksNovasTaskStatesToActive() async throws {
        try await withHarness(try await ComputeHarness.start()) { h in
            let vm = Make.instance("vm-ok")
            try await h.build(vm)

            let history = await h.conductor.history(vm.uuid)
            // Claim the instance for this host, then networking → block_device_mapping → spawning → ACTIVE, each
            // step guarded by the state before it (Nova's expected_task_state).
            let taskStates: [TaskState??] = [.some(nil), .networking, .blockDeviceMapping, .spawning, .some(nil)]
            #expect(history.map(\.taskState) == taskStates)
            let guards: [[TaskState?]?] = [[.scheduling], [nil], [.networking], [.blockDeviceMapping], [.spawning]]
            #expect(history.map(\.expectedTaskStates) == guards)
            #expect(history.first?.host == .some("cmp1") && history.first?.node == .some("cmp1"))
            #expect(history.last?.vmState == .active && history.last?.powerState == .running)
            #expect(history.last?.launchedAt != nil)

            let record = try #require(await h.conductor.instances[vm.uuid])
            #expect(record.vmState == .active && record.taskState == nil && record.powerState == .running)
            #expect(record.host == "cmp1")
            #expect(await h.conductor.buildResults == [ConductorAPI.BuildResult(node: "cmp1", success: true)])
            #expect(await h.conductor.faults.isEmpty)
            #expect(await h.conductor.released.isEmpty)
            #expect(await h.conductor.reschedules.isEmpty)
            // The guest exists on the driver: its console shows the boot, and `length` keeps only the last lines.
            let console = try await h.compute.call(ComputeManagerAPI.getConsoleOutput, InstanceOperation(instance: record))
            #expect(console.contains("Booting vm-ok"))
            let last = try await h.compute.call(ComputeManagerAPI.getConsoleOutput,
                                                InstanceOperation(instance: record, length: 1))
            #expect(last == "vm-ok login:")  // Nova's _tail_log: the last line, no trailing newline
        }
    }

    @Test func aDriverFailureWithoutRetryIsErrorWithAFault() async throws {
        try await withHarness(try await ComputeHarness.start(["fake.fail_spawn_hosts": "cmp1"])) { h in
            let vm = Make.instance("vm-fails")
            try await h.build(vm, retry: false)
            try await h.eventually("the fault was recorded") { await !h.conductor.faults.isEmpty }

            let record = try #require(await h.conductor.instances[vm.uuid])
            #expect(record.vmState == .error && record.taskState == nil && record.host == nil && record.node == nil)
            let fault = try #require(await h.conductor.faults.first)
            #expect(fault.instanceUUID == vm.uuid && fault.code == 500 && fault.host == "cmp1")
            #expect(fault.message.hasPrefix("Build of instance \(vm.uuid.uuidString.lowercased()) aborted: "))
            #expect(fault.message.contains("fault injected"), "the driver's error reaches the fault: \(fault.message)")
            #expect(await h.conductor.faults.count == 1)
            #expect(await h.conductor.buildResults == [ConductorAPI.BuildResult(node: "cmp1", success: false)])
            #expect(await h.conductor.released == [vm.uuid])  // the claim goes back
            #expect(await h.conductor.reschedules.isEmpty)
        }
    }

    @Test func aDriverFailureWithRetryHandsTheBuildBackForTheAlternates() async throws {
        try await withHarness(try await ComputeHarness.start(["fake.fail_spawn_hosts": "cmp1"])) { h in
            let vm = Make.instance("vm-retry")
            let alternates = [ComputeHarness.selection("cmp2", vm.flavor), ComputeHarness.selection("cmp3", vm.flavor)]
            try await h.build(vm, alternates: alternates, retry: true)
            try await h.eventually("build_instances was cast") { await !h.conductor.reschedules.isEmpty }

            let r = try #require(await h.conductor.reschedules.first)
            #expect(r.instanceUUID == vm.uuid && r.failedHost == "cmp1" && r.attempt == 1)
            #expect(r.alternates == alternates, "the alternates go back in order")
            #expect(r.error.contains("fault injected"))
            // Back to scheduling, off this host; not ERROR, no fault: the conductor decides what happens next.
            let record = try #require(await h.conductor.instances[vm.uuid])
            #expect(record.vmState == .building && record.taskState == .scheduling && record.host == nil)
            #expect(await h.conductor.faults.isEmpty)
            #expect(await h.conductor.released == [vm.uuid])
            #expect(await h.conductor.buildResults == [ConductorAPI.BuildResult(node: "cmp1", success: false)])
        }
    }

    @Test func anInstanceDeletedDuringTheSpawnIsUndoneWithoutAFault() async throws {
        try await withHarness(try await ComputeHarness.start()) { h in
            let vm = Make.instance("vm-deleted")
            await h.conductor.put(vm)
            await h.conductor.delete(vm.uuid, when: .spawning)
            try await h.compute.cast(ComputeManagerAPI.buildAndRunInstance, h.request(vm, retry: true))
            try await h.eventually("the claim was released") { await !h.conductor.released.isEmpty }

            // The ACTIVE update found the instance gone: the guest spawned for it is destroyed, nothing else happens.
            let history = await h.conductor.history(vm.uuid)
            #expect(history.count == 5 && history.last?.vmState == .active)
            #expect(await h.conductor.released == [vm.uuid])
            #expect(await h.conductor.faults.isEmpty)
            #expect(await h.conductor.reschedules.isEmpty)
            #expect(await h.conductor.buildResults.isEmpty)
            #expect(try await h.guestIsGone(vm))
        }
    }
}
