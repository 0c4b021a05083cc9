import ComputeRPC
import ConductorRPC
import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusRPC
import Testing

/// Power actions and terminate on a built instance: the API sets the task state, the compute runs the driver
/// and saves the outcome through the conductor.
@Suite struct ComputeOperationTests {
    @Test func stopThenStartChangeTheVMAndPowerStates() async throws {
        try await withHarness(try await ComputeHarness.start()) { h in
            let vm = Make.instance("vm-power")
            try await h.build(vm)

            try await h.act(ComputeManagerAPI.stopInstance, vm.uuid, taskState: .poweringOff)
            var record = try #require(await h.conductor.instances[vm.uuid])
            #expect(record.vmState == .stopped && record.taskState == nil && record.powerState == .shutdown)
            let stop = try #require(await h.conductor.history(vm.uuid).last)
            #expect(stop.expectedTaskStates == [.poweringOff], "the update is guarded by the API's task state")

            try await h.act(ComputeManagerAPI.startInstance, vm.uuid, taskState: .poweringOn)
            record = try #require(await h.conductor.instances[vm.uuid])
            #expect(record.vmState == .active && record.taskState == nil && record.powerState == .running)
            #expect(await h.conductor.faults.isEmpty)
        }
    }

    @Test func aDriverRefusalRevertsTheTaskStateOnly() async throws {
        try await withHarness(try await ComputeHarness.start()) { h in
            let vm = Make.instance("vm-refused")
            try await h.build(vm)
            try await h.act(ComputeManagerAPI.stopInstance, vm.uuid, taskState: .poweringOff)

            // The fake driver pauses only a running guest: the compute clears the task state (Nova's
            // reverts_task_state) and leaves vm_state and power state as they were.
            try await h.act(ComputeManagerAPI.pauseInstance, vm.uuid, taskState: .pausing)
            let revert = try #require(await h.conductor.history(vm.uuid).last)
            #expect(revert.taskState == .some(nil) && revert.vmState == nil && revert.powerState == nil)
            let record = try #require(await h.conductor.instances[vm.uuid])
            #expect(record.vmState == .stopped && record.taskState == nil && record.powerState == .shutdown)
        }
    }

    @Test func pauseAndResumeGoThroughTheDriverCapabilities() async throws {
        try await withHarness(try await ComputeHarness.start()) { h in
            let vm = Make.instance("vm-pause")
            try await h.build(vm)
            try await h.act(ComputeManagerAPI.pauseInstance, vm.uuid, taskState: .pausing)
            var record = try #require(await h.conductor.instances[vm.uuid])
            #expect(record.vmState == .paused && record.powerState == .paused && record.taskState == nil)
            try await h.act(ComputeManagerAPI.unpauseInstance, vm.uuid, taskState: .unpausing)
            try await h.act(ComputeManagerAPI.suspendInstance, vm.uuid, taskState: .suspending)
            record = try #require(await h.conductor.instances[vm.uuid])
            #expect(record.vmState == .suspended && record.powerState == .suspended)
            try await h.act(ComputeManagerAPI.resumeInstance, vm.uuid, taskState: .resuming)
            record = try #require(await h.conductor.instances[vm.uuid])
            #expect(record.vmState == .active && record.powerState == .running && record.taskState == nil)
        }
    }

    @Test func terminateDestroysTheGuestAndTheRecord() async throws {
        try await withHarness(try await ComputeHarness.start()) { h in
            let vm = Make.instance("vm-gone")
            try await h.build(vm)
            let record = try #require(await h.conductor.instances[vm.uuid])
            #expect(try await !h.guestIsGone(record))

            await h.conductor.setTaskState(vm.uuid, .deleting)
            try await h.compute.cast(ComputeManagerAPI.terminateInstance, InstanceOperation(instance: record))
            try await h.eventually("instance_destroy was called") { await !h.conductor.destroyed.isEmpty }
            #expect(await h.conductor.destroyed == [vm.uuid])
            #expect(await h.conductor.instances[vm.uuid] == nil)
            #expect(try await h.guestIsGone(record))
        }
    }
}
