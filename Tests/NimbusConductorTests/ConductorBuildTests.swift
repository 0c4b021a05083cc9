import ComputeRPC
import ConductorRPC
import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import SchedulerRPC
import Testing

/// `schedule_and_build_instances`: one scheduling pass, then a build cast to each chosen host.
@Suite struct ConductorBuildTests {
    @Test func theSchedulerIsAskedOnceAndEachInstanceIsCastToItsHost() async throws {
        try await withHarness(try await ConductorHarness.start(script: .hosts([["host1", "host2"], ["host2", "host3", "host1"]]))) { h in
            let spec = Make.spec().instances(2).build()
            let uuids = try await h.createInstances(spec)
            try await h.scheduleAndBuild(spec, uuids)
            try await h.eventually("both builds were cast") { await h.computes.builds.count == 2 }

            #expect(await h.scheduler.requests == [SelectDestinationsArgs(spec: spec, instanceUUIDs: uuids)])
            for (uuid, hosts) in zip(uuids, [["host1", "host2"], ["host2", "host3", "host1"]]) {
                let build = try #require(await h.computes.received(uuid).first)
                #expect(build.receivedOn == hosts[0], "cast to compute.<chosen host>")
                let r = build.request
                #expect(r.selection.host == hosts[0] && r.selection.nodeUUID == h.nodes[hosts[0]]?.uuid)
                #expect(r.alternates.map(\.host) == Array(hosts.dropFirst()))
                #expect(r.attempt == 1 && r.retryEnabled, "max_attempts defaults to 3")
                #expect(r.spec == spec)
                #expect(r.instance.uuid == uuid && r.instance.host == hosts[0] && r.instance.node == hosts[0])
                // The scheduler's claim stays: the compute owns the build now.
                #expect(try await h.allocationHosts(uuid) == [hosts[0]])
                let row = try #require(try await h.store.instance(uuid))
                #expect(row.vmState == .building && row.taskState == .scheduling)
            }
        }
    }

    @Test func maxAttemptsOfOneTurnsReschedulingOff() async throws {
        try await withHarness(try await ConductorHarness.start(script: .hosts([["host1", "host2"]]), ["scheduler.max_attempts": "1"])) { h in
            let spec = Make.spec().build()
            let uuids = try await h.createInstances(spec)
            try await h.scheduleAndBuild(spec, uuids)
            try await h.eventually("the build was cast") { await !h.computes.builds.isEmpty }
            let r = try #require(await h.computes.builds.first?.request)
            #expect(!r.retryEnabled && r.attempt == 1)
        }
    }

    @Test func noValidHostPutsEveryInstanceInErrorWithTheReport() async throws {
        let report = FilterReport(steps: [
            .init(name: "ComputeFilter", hostsIn: 3, hostsOut: 2, reasons: ["service disabled": 1]),
            .init(name: "RamFilter", hostsIn: 2, hostsOut: 0, reasons: ["not enough RAM": 2]),
        ])
        try await withHarness(try await ConductorHarness.start(script: .noValidHost(NoValidHost(report: report)))) { h in
            let spec = Make.spec().instances(2).build()
            let uuids = try await h.createInstances(spec)
            try await h.scheduleAndBuild(spec, uuids)
            try await h.eventually("every instance has a fault") {
                try await h.store.latestFaults(uuids).count == uuids.count
            }

            for uuid in uuids {
                let row = try #require(try await h.store.instance(uuid))
                #expect(row.vmState == .error && row.taskState == nil)
                let fault = try #require(try await h.store.latestFault(uuid))
                #expect(fault.code == 500)
                #expect(fault.message == "No valid host was found. There are not enough hosts available.")
                #expect(fault.details == report.description, "the explain report travels in the fault")
                #expect(try await h.allocationHosts(uuid).isEmpty)
            }
            #expect(await h.computes.builds.isEmpty)
        }
    }

    @Test func anInstanceDeletedWhileSchedulingIsNotBuiltAndItsClaimIsFreed() async throws {
        try await withHarness(try await ConductorHarness.start(script: .hosts([["host1"]]), deleteWhileScheduling: true)) { h in
            let spec = Make.spec().build()
            let uuids = try await h.createInstances(spec)
            try await h.scheduleAndBuild(spec, uuids)
            // The scheduler claimed before replying; only the conductor frees it afterwards.
            try await h.eventually("the claim was released") {
                guard await !h.scheduler.requests.isEmpty else { return false }
                return try await h.allocationHosts(uuids[0]).isEmpty
            }
            #expect(await h.computes.builds.isEmpty)
            #expect(try await h.store.latestFault(uuids[0]) == nil)
        }
    }
}
