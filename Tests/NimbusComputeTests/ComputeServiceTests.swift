import ComputeRPC
import ConductorRPC
import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusRPC
import Testing

/// The compute service's start: registration through the conductor, resources, and recovery of what a crash
/// left behind (Nova's init_host).
@Suite struct ComputeServiceTests {
    @Test func startUpRegistersHeartbeatsAndReportsTheDriversResources() async throws {
        try await withHarness(try await ComputeHarness.start(host: "cmp7", ["fake.vcpus": "6", "fake.memory_mb": "4096",
                                                             "DEFAULT.reserved_host_memory_mb": "256"])) { h in
            #expect(await h.conductor.registrations == [
                ConductorAPI.RegisterService(host: "cmp7", binary: "nova-compute", topic: ComputeManagerAPI.topic),
            ])
            #expect(await h.conductor.heartbeats.first == h.conductor.service.uuid)
            let node = try #require(await h.conductor.nodeUpdates.first)
            #expect(node.host == "cmp7" && node.resources.vcpus == 6 && node.resources.memoryMB == 4096)
            #expect(node.inventory.reserved.memoryMB == 256)
            #expect(await h.conductor.hostQueries == ["cmp7"], "recovery asks for this host's instances once")
        }
    }

    @Test func recoveryFailsInterruptedBuildsAndFinishesDeletes() async throws {
        let flavor = Make.flavor()
        let building = InstanceRecord(name: "a-building", projectID: "p", userID: "u", flavor: flavor, imageRef: "i",
                                      vmState: .building, taskState: .spawning, host: "cmp1", node: "cmp1")
        let deleting = InstanceRecord(name: "b-deleting", projectID: "p", userID: "u", flavor: flavor, imageRef: "i",
                                      vmState: .active, taskState: .deleting, powerState: .running, host: "cmp1",
                                      node: "cmp1")
        let active = InstanceRecord(name: "c-active", projectID: "p", userID: "u", flavor: flavor, imageRef: "i",
                                    vmState: .active, taskState: nil, powerState: .running, host: "cmp1", node: "cmp1")
        let elsewhere = InstanceRecord(name: "d-elsewhere", projectID: "p", userID: "u", flavor: flavor, imageRef: "i",
                                       vmState: .building, taskState: .spawning, host: "cmp2", node: "cmp2")
        try await withHarness(try await ComputeHarness.start(instances: [building, deleting, active, elsewhere])) { h in
            try await h.eventually("the interrupted build has its fault") { await !h.conductor.faults.isEmpty }
            try await h.eventually("the interrupted delete finished") { await !h.conductor.destroyed.isEmpty }

            let failed = try #require(await h.conductor.instances[building.uuid])
            #expect(failed.vmState == .error && failed.taskState == nil)
            let fault = try #require(await h.conductor.faults.first)
            #expect(fault.instanceUUID == building.uuid && fault.code == 500)
            #expect(fault.message == "Compute host cmp1 restarted during the build.")
            #expect(await h.conductor.released.contains(building.uuid))
            #expect(await h.conductor.destroyed == [deleting.uuid])
            // Nothing touched the healthy instance or another host's build.
            #expect(await h.conductor.history(active.uuid).isEmpty)
            #expect(await h.conductor.history(elsewhere.uuid).isEmpty)
            #expect(await h.conductor.faults.count == 1)
        }
    }
}
