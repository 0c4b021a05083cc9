import Foundation
import NimbusKernel
import Testing

@Suite struct StateTests {
    @Test(arguments: [
        (VMState.active, TaskState?.none, "ACTIVE"), (.active, .rebooting, "REBOOT"),
        (.active, .rebootingHard, "HARD_REBOOT"), (.active, .resizePrep, "RESIZE"), (.building, .spawning, "BUILD"),
        (.stopped, nil, "SHUTOFF"), (.resized, nil, "VERIFY_RESIZE"), (.resized, .resizeReverting, "REVERT_RESIZE"),
        (.paused, nil, "PAUSED"), (.error, nil, "ERROR"), (.error, .rebuilding, "REBUILD"),
        (.softDeleted, nil, "SOFT_DELETED"), (.shelvedOffloaded, nil, "SHELVED_OFFLOADED"),
    ])
    func statusDerivation(vm: VMState, task: TaskState?, status: String) {
        #expect(ServerStatus.derive(vmState: vm, taskState: task) == status)
    }

    @Test func wireNamesMatchNova() {
        #expect(VMState.softDeleted.rawValue == "soft-delete")
        #expect(TaskState.poweringOff.rawValue == "powering-off")
        #expect(TaskState.blockDeviceMapping.rawValue == "block_device_mapping")
        #expect(PowerState.suspended.rawValue == 7)
    }

    @Test func serviceUpDown() {
        let now = Date()
        var s = ServiceRecord(host: "h", binary: "nova-compute", topic: "compute", lastSeenUp: now.addingTimeInterval(-30))
        #expect(s.isUp(now: now, serviceDownTime: 60))
        #expect(!s.isUp(now: now, serviceDownTime: 20))
        s.forcedDown = true
        #expect(!s.isUp(now: now, serviceDownTime: 60))
    }

    @Test func instanceUpdateKeepsExplicitNullsOnTheWire() throws {
        let u = InstanceUpdate(taskState: .some(nil), host: .some("h"), node: .some(nil), expectedTaskStates: [.scheduling])
        let back = try JSONDecoder().decode(InstanceUpdate.self, from: JSONEncoder().encode(u))
        #expect(back.taskState == .some(nil))
        #expect(back.host == .some("h"))
        #expect(back.node == .some(nil))
        #expect(back.vmState == nil)
        let keep = try JSONDecoder().decode(InstanceUpdate.self, from: JSONEncoder().encode(InstanceUpdate()))
        #expect(keep.taskState == nil)
    }
}
