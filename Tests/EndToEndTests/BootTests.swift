import Foundation
import NimbusTestCloud
import NimbusKernelTestKit
import NimbusDaemons
import NimbusKernel
import NimbusStore
import Testing

@Suite(.serialized) struct BootTests {
    @Test func twentyServersAcrossFourHostsGoActiveAndDeleteFreesThem() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 4)) { cloud in
            let ids = try await cloud.boot("web", flavor: "1", count: 20)  // m1.tiny: 1 vCPU, 512 MB
            #expect(ids.count == 20)
            let statuses = try await cloud.settle(ids)
            #expect(statuses.values.allSatisfy { $0 == "ACTIVE" })
            let show = try await cloud.server(ids[0])
            #expect(show["OS-EXT-STS:vm_state"] as? String == "active")
            #expect(show["OS-EXT-STS:power_state"] as? Int == 1)
            #expect((show["OS-EXT-SRV-ATTR:host"] as? String)?.hasPrefix("fake-") == true)
            var hv = try await cloud.hypervisors()
            #expect(sum(hv, "vcpus_used") == 20)
            #expect(sum(hv, "running_vms") == 20)
            #expect(hv.allSatisfy { ($0["running_vms"] as? Int ?? 0) > 0 })  // spread by the RAM/CPU weighers

            for id in ids {
                let (status, _) = try await cloud.request("DELETE", "/v2.1/servers/\(id)")
                #expect(status == 204)
            }
            try await cloud.waitUntil("servers are gone") {
                (try await cloud.get("/v2.1/servers").1["servers"] as? [Any])?.isEmpty == true
            }
            hv = try await cloud.hypervisors()
            #expect(sum(hv, "vcpus_used") == 0)
            #expect(sum(hv, "memory_mb_used") == 4 * 512)  // only reserved_host_memory_mb remains
            let (gone, body) = try await cloud.get("/v2.1/servers/\(ids[0])")
            #expect(gone == 404)
            #expect((body["itemNotFound"] as? [String: Any])?["code"] as? Int == 404)
        }
    }

    @Test func spawnFailureReschedulesToTheAlternate() async throws {
        // fake-1 has more free RAM, so it is chosen first, and its spawns fail.
        try await withHarness(try await TestCloud.e2e(hosts: 2, ["fake.fail_spawn_hosts": "fake-1",
                                                         "fake:fake-1.memory_mb": "65536"])) { cloud in
            let ids = try await cloud.boot("resched", flavor: "1")
            #expect(try await cloud.settle(ids)[ids[0]] == "ACTIVE")
            #expect(try await cloud.server(ids[0])["OS-EXT-SRV-ATTR:host"] as? String == "fake-2")
            let node1 = try await cloud.store.computeNodes().first { $0.host == "fake-1" }
            #expect(node1?.failedBuilds == 1)
            #expect(node1?.used == .zero)  // the failed host's claim was released
            let events = try await cloud.store.actions(UUID(uuidString: ids[0])!).first?.events ?? []
            #expect(events.map(\.result) == ["Error", "Success"])
            #expect(events.map(\.host) == ["fake-1", "fake-2"])
        }
    }

    @Test func errorWithAFaultAfterTheLastAlternate() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 2, ["fake.fail_spawn_hosts": "fake-1,fake-2"])) { cloud in
            let ids = try await cloud.boot("doomed", flavor: "1")
            #expect(try await cloud.settle(ids)[ids[0]] == "ERROR")
            let fault = try await cloud.server(ids[0])["fault"] as? [String: Any]
            #expect((fault?["message"] as? String)?.contains("Exceeded maximum number of retries") == true)
            #expect(sum(try await cloud.hypervisors(), "vcpus_used") == 0)
        }
    }

    @Test func noValidHostCarriesThePerStepReport() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 4)) { cloud in
            try await cloud.createFlavor("huge", ram: 1_000_000)
            let big = try await cloud.boot("huge", flavor: "huge")
            #expect(try await cloud.settle(big)[big[0]] == "ERROR")
            var fault = try await cloud.server(big[0])["fault"] as? [String: Any]
            #expect(fault?["message"] as? String == "No valid host was found. There are not enough hosts available.")
            #expect((fault?["details"] as? String)?.contains("kept 0 of 4 hosts, removed 4: insufficient MEMORY_MB (4)") == true)

            // Two hosts disabled, one forced down: ComputeFilter names both reasons.
            let services = try await cloud.store.services(binary: "nova-compute")
            for s in services where s.host == "fake-1" || s.host == "fake-2" {
                _ = try await cloud.store.updateService(s.uuid, disabled: true, disabledReason: .some("maintenance"))
            }
            if let s3 = services.first(where: { $0.host == "fake-3" }) {
                _ = try await cloud.store.updateService(s3.uuid, forcedDown: true)
            }
            try await cloud.createFlavor("onlyone", ram: 8192)  // one per host
            let ok = try await cloud.boot("one", flavor: "onlyone")
            #expect(try await cloud.settle(ok)[ok[0]] == "ACTIVE")  // fake-4 still takes it
            let none = try await cloud.boot("none", flavor: "onlyone")
            #expect(try await cloud.settle(none)[none[0]] == "ERROR")
            fault = try await cloud.server(none[0])["fault"] as? [String: Any]
            let details = fault?["details"] as? String ?? ""
            #expect(details.contains("Placement (capacity pre-filter) kept 3 of 4 hosts"))
            #expect(details.contains("ComputeFilter kept 0 of 3 hosts, removed 3: service disabled (2), service down (1)"))
        }
    }

    @Test func deleteFreesCapacityForTheNextBoot() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 1)) { cloud in
            try await cloud.createFlavor("whole", ram: 8192, vcpus: 1)  // 8704 − 512 reserved: room for one
            let first = try await cloud.boot("a", flavor: "whole")
            #expect(try await cloud.settle(first)[first[0]] == "ACTIVE")
            let second = try await cloud.boot("b", flavor: "whole")
            #expect(try await cloud.settle(second)[second[0]] == "ERROR")
            #expect(try await cloud.request("DELETE", "/v2.1/servers/\(first[0])").0 == 204)
            try await cloud.waitUntil("first server deleted") { try await cloud.get("/v2.1/servers/\(first[0])").0 == 404 }
            let third = try await cloud.boot("c", flavor: "whole")
            #expect(try await cloud.settle(third)[third[0]] == "ACTIVE")
        }
    }

    @Test func aComputeThatStopsHeartbeatingShowsDown() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 2, ["DEFAULT.report_interval": "0.2",
                                                         "DEFAULT.service_down_time": "1"])) { cloud in
            await cloud.aio.stopCompute("fake-2")
            try await cloud.waitUntil("fake-2 shows down") {
                let services = try await cloud.get("/v2.1/os-services").1["services"] as? [[String: Any]] ?? []
                let state = Dictionary(services.map { ($0["host"] as? String ?? "", $0["state"] as? String ?? "") },
                                       uniquingKeysWith: { a, _ in a })
                return state["fake-2"] == "down" && state["fake-1"] == "up"
            }
            // A server now lands on the live host only; a delete of nothing on the dead one is not needed.
            let ids = try await cloud.boot("after", flavor: "1")
            #expect(try await cloud.settle(ids)[ids[0]] == "ACTIVE")
            #expect(try await cloud.server(ids[0])["OS-EXT-SRV-ATTR:host"] as? String == "fake-1")
        }
    }
}

@Suite(.serialized) struct LivenessTests {
    @Test func buildsOnADeadHostDoNotStayInBuild() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 2, ["DEFAULT.report_interval": "0.2",
                                                         "DEFAULT.service_down_time": "1"])) { cloud in
            // A build handed to fake-2 just before it died (its cast lost with the process).
            let flavor = try #require(try await cloud.store.flavor(id: "1"))
            let orphan = InstanceRecord(name: "orphan", projectID: "admin", userID: "admin", flavor: flavor,
                                        imageRef: "cirros", taskState: .spawning, host: "fake-2", node: "fake-2")
            try await cloud.store.createInstances([orphan], spec: RequestSpec(flavor: flavor), requestID: "req-test")
            await cloud.aio.stopCompute("fake-2")
            try await cloud.waitUntil("the orphaned build fails") {
                try await cloud.server(orphan.uuid.uuidString.lowercased())["status"] as? String == "ERROR"
            }
            let fault = try await cloud.server(orphan.uuid.uuidString.lowercased())["fault"] as? [String: Any]
            #expect((fault?["message"] as? String)?.contains("fake-2 went down during the build") == true)
        }
    }
}

@Suite(.serialized) struct GracefulStopTests {
    @Test func aGracefullyStoppedComputeSaysSoAtOnce() async throws {
        // service_down_time is long: only the stop itself can make the row show down.
        try await withHarness(try await TestCloud.e2e(hosts: 2, ["DEFAULT.service_down_time": "600"])) { cloud in
            await cloud.aio.stopCompute("fake-1", gracefully: true)
            let services = try await cloud.get("/v2.1/os-services").1["services"] as? [[String: Any]] ?? []
            let state = Dictionary(services.map { ($0["host"] as? String ?? "", $0["state"] as? String ?? "") },
                                   uniquingKeysWith: { a, _ in a })
            #expect(state["fake-1"] == "down")
            #expect(state["fake-2"] == "up")
        }
    }
}

@Suite(.serialized) struct MultiCreateTests {
    @Test func oncePerRequestFiltersKeepExcludingForLaterInstances() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 3)) { cloud in
            let services = try await cloud.store.services(binary: "nova-compute")
            let s3 = try #require(services.first { $0.host == "fake-3" })
            _ = try await cloud.store.updateService(s3.uuid, disabled: true)
            let ids = try await cloud.boot("multi", flavor: "1", count: 9)
            _ = try await cloud.settle(ids)
            for id in ids { #expect(try await cloud.server(id)["OS-EXT-SRV-ATTR:host"] as? String != "fake-3") }
        }
    }
}

@Suite(.serialized) struct AllInOneOverZeroMQTests {
    @Test func allInOneBootsOverZeroMQWhenTransportURLSaysSo() async throws {
        let port = freePort()
        try await withHarness(try await TestCloud.e2e(hosts: 3, ["DEFAULT.transport_url": "zmq://127.0.0.1:\(port)"])) { cloud in
            let ids = try await cloud.boot("zmq", flavor: "1", count: 6)
            #expect(try await cloud.settle(ids).values.allSatisfy { $0 == "ACTIVE" })
            for id in ids { #expect(try await cloud.request("DELETE", "/v2.1/servers/\(id)").0 == 204) }
            try await cloud.waitUntil("deleted over zmq") {
                (try await cloud.get("/v2.1/servers").1["servers"] as? [Any])?.isEmpty == true
            }
        }
    }
}
