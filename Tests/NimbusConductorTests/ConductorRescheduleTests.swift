import ComputeRPC
import ConductorRPC
import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import Testing

/// `build_instances` (the reschedule path): after a failed build the conductor claims the next alternate and
/// casts there, without another scheduling pass, until the alternates or `max_attempts` run out.
@Suite struct ConductorRescheduleTests {
    @Test func aFailedBuildIsRescheduledOnTheNextAlternate() async throws {
        try await withHarness(try await ConductorHarness.start(script: .hosts([["host1", "host2", "host3"]]), failing: ["host1"])) { h in
            let spec = Make.spec().build()
            let uuid = try #require(try await h.createInstances(spec).first)
            try await h.scheduleAndBuild(spec, [uuid])
            try await h.eventually("the build reached host2") { await h.computes.builds.count == 2 }

            let builds = await h.computes.received(uuid)
            #expect(builds.map(\.receivedOn) == ["host1", "host2"])
            let retry = try #require(builds.last?.request)
            #expect(retry.attempt == 2 && retry.selection.host == "host2")
            #expect(retry.alternates.map(\.host) == ["host3"], "the tried alternate is used up")
            #expect(try await h.allocationHosts(uuid) == ["host2"], "the alternate was claimed, host1's claim freed")
            #expect(await h.scheduler.requests.count == 1, "no second scheduling pass")
            let row = try #require(try await h.store.instance(uuid))
            #expect(row.vmState == .building)
            #expect(try await h.store.latestFault(uuid) == nil)
        }
    }

    @Test func exhaustedAlternatesEndInErrorWithTheLastFailure() async throws {
        try await withHarness(try await ConductorHarness.start(script: .hosts([["host1", "host2"]]), failing: ["host1", "host2"])) { h in
            let spec = Make.spec().build()
            let uuid = try #require(try await h.createInstances(spec).first)
            try await h.scheduleAndBuild(spec, [uuid])
            try await h.eventually("the instance has a fault") { try await h.store.latestFault(uuid) != nil }

            #expect(await h.computes.received(uuid).map(\.receivedOn) == ["host1", "host2"])
            let row = try #require(try await h.store.instance(uuid))
            #expect(row.vmState == .error && row.taskState == nil)
            let fault = try #require(try await h.store.latestFault(uuid))
            #expect(fault.message == "Exceeded maximum number of retries. Exhausted all hosts available for retrying build "
                + "failures for instance \(uuid.uuidString.lowercased()).")
            #expect(fault.details == "Last failure on host2: spawn failed on host2")
            #expect(try await h.allocationHosts(uuid).isEmpty)
        }
    }

    @Test func maxAttemptsStopsRetriesWhileAlternatesRemain() async throws {
        try await withHarness(try await ConductorHarness.start(script: .hosts([["host1", "host2", "host3"]]),
                                                 failing: ["host1", "host2", "host3"], ["scheduler.max_attempts": "2"])) { h in
            let spec = Make.spec().build()
            let uuid = try #require(try await h.createInstances(spec).first)
            try await h.scheduleAndBuild(spec, [uuid])
            try await h.eventually("the instance has a fault") { try await h.store.latestFault(uuid) != nil }

            // Attempt 1 on host1, attempt 2 on host2; a third would exceed max_attempts, so host3 never sees it.
            #expect(await h.computes.received(uuid).map(\.receivedOn) == ["host1", "host2"])
            #expect(try #require(try await h.store.instance(uuid)).vmState == .error)
            #expect(try await h.allocationHosts(uuid).isEmpty)
        }
    }

    @Test func anUnreachableComputeIsSkippedForTheNextAlternate() async throws {
        // `ghost` has a compute node in the store but no compute serving: the cast cannot be delivered.
        try await withHarness(try await ConductorHarness.start(hosts: ["ghost", "host1"], listening: ["host1"],
                                                 script: .hosts([["ghost", "host1"]]))) { h in
            let spec = Make.spec().build()
            let uuid = try #require(try await h.createInstances(spec).first)
            try await h.scheduleAndBuild(spec, [uuid])
            try await h.eventually("the build reached host1") { await !h.computes.builds.isEmpty }

            let build = try #require(await h.computes.received(uuid).first)
            #expect(build.receivedOn == "host1" && build.request.attempt == 2 && build.request.alternates.isEmpty)
            #expect(try await h.allocationHosts(uuid) == ["host1"], "ghost's claim was released, host1's taken")
            #expect(await h.computes.builds.count == 1)
        }
    }

    @Test func aFullAlternateIsPassedOverForTheNextOne() async throws {
        try await withHarness(try await ConductorHarness.start(script: .hosts([["host1", "host2", "host3"]]), failing: ["host1"])) { h in
            // Someone else takes all of host2 before the reschedule: its claim fails and host3 is claimed instead.
            let node2 = try #require(h.nodes["host2"])
            #expect(try await h.store.claim(consumer: UUID(), node: node2.uuid,
                                            resources: Resources(vcpus: 1, memoryMB: 8192, diskGB: 1)))
            let spec = Make.spec().build()
            let uuid = try #require(try await h.createInstances(spec).first)
            try await h.scheduleAndBuild(spec, [uuid])
            try await h.eventually("the build reached host3") { await h.computes.builds.count == 2 }

            let builds = await h.computes.received(uuid)
            #expect(builds.map(\.receivedOn) == ["host1", "host3"])
            #expect(builds.last?.request.attempt == 2 && builds.last?.request.alternates.isEmpty == true)
            #expect(try await h.allocationHosts(uuid) == ["host3"])
        }
    }
}
