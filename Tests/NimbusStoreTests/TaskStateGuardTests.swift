import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import Testing

/// The store's half of Nova's `check_instance_state`: the task-state write guarded by `expected_task_state`.
@Suite struct TaskStateGuardTests {
    /// Many writers race to take one idle instance: exactly one sets its task state, every other one is told
    /// the state it found, and the winner's task state is the one left.
    @Test func racingGuardedWritesLetExactlyOneThrough() async throws {
        let store = try openStore()
        let vm = Make.instance(host: "n1")
        try await store.createInstances([vm], spec: Make.spec(vm.flavor).build(), requestID: "r")
        try await store.updateInstance(vm.uuid, InstanceUpdate(vmState: .active, taskState: .some(nil)))
        let tasks: [TaskState] = [.pausing, .suspending, .poweringOff, .rebooting, .resizePrep, .rebuilding,
                                  .shelving, .rescuing]
        let winners = try await withThrowingTaskGroup(of: TaskState?.self) { group in
            for t in tasks + tasks {
                group.addTask {
                    do {
                        try await store.updateInstance(vm.uuid, InstanceUpdate(taskState: .some(t), expectedTaskStates: [nil]))
                        return t
                    } catch StoreError.unexpectedTaskState { return nil }
                }
            }
            return try await group.reduce(into: [TaskState]()) { if let t = $1 { $0.append(t) } }
        }
        #expect(winners.count == 1)
        #expect(try await store.instance(vm.uuid)?.taskState == winners.first)
    }
}
