import BuiltinPlugins
import Foundation
import Logging
import NimbusDaemons
import NimbusKernel
import NimbusKernelTestKit
import NimbusScheduler
import NimbusStore
import Testing

/// A store with `hosts` fake compute nodes (up, enabled) and a scheduler over it.
struct Cloud {
    let path: String
    let store: NimbusStore
    let nodes: [ComputeNodeRecord]

    static func make(hosts: Int, vcpus: Int = 8, ram: Int = 8192, disk: Int = 100) async throws -> Cloud {
        let path = NSTemporaryDirectory() + "nimbus-sched-\(UUID().uuidString)/nimbus.sqlite"
        let store = try NimbusStore(path: path)
        try store.migrate()
        var nodes: [ComputeNodeRecord] = []
        for i in 1...hosts {
            let host = "host\(i)"
            _ = try await store.registerService(host: host, binary: "nova-compute", topic: "compute")
            nodes.append(try await store.upsertComputeNode(
                host: host, resources: HostResources(hypervisorHostname: host, vcpus: vcpus, memoryMB: ram, localGB: disk),
                inventory: InventorySettings(reserved: .zero, cpuRatio: 1.0, ramRatio: 1.0, diskRatio: 1.0)))
        }
        return Cloud(path: path, store: store, nodes: nodes)
    }

    func scheduler(_ overrides: [String: String] = [:], store: NimbusStore? = nil) throws -> SchedulerManager {
        try SchedulerManager(store: store ?? self.store, registry: .builtin(), config: try NimbusConfig(overrides: overrides),
                             logger: Logger(label: "test"))
    }

    /// Creates the instance rows a build would, then records where the scheduler put them.
    func boot(_ scheduler: SchedulerManager, _ spec: RequestSpec, count: Int = 1) async throws -> [String] {
        let instances = (0..<count).map { _ in Make.instance(flavor: spec.flavor) }
        try await store.createInstances(instances, spec: spec, requestID: "req-\(UUID())")
        if let g = spec.schedulerHints["group"]?.first.flatMap(UUID.init(uuidString:)) {
            for i in instances { try await store.addMember(i.uuid, toGroup: g) }
        }
        let selections = try await scheduler.selectDestinations(spec, instanceUUIDs: instances.map(\.uuid))
        for (i, s) in zip(instances, selections) {
            try await store.updateInstance(i.uuid, InstanceUpdate(host: .some(s[0].host), node: .some(s[0].nodename)))
        }
        return selections.map { $0[0].host }
    }
}

@Suite struct ServerGroupSchedulingTests {
    @Test func antiAffinityFourOnFourHostsThenNoValidHost() async throws {
        let cloud = try await Cloud.make(hosts: 4)
        let scheduler = try cloud.scheduler()
        let group = try await cloud.store.createServerGroup(name: "g", projectID: "project", userID: "user",
                                                           policy: .antiAffinity)
        let spec = Make.spec().hint("group", group.uuid.uuidString).build()
        var hosts: [String] = []
        for _ in 0..<4 { hosts += try await cloud.boot(scheduler, spec) }
        #expect(Set(hosts).count == 4)
        do {
            _ = try await cloud.boot(scheduler, spec)
            Issue.record("the 5th server should not fit")
        } catch let e as NoValidHost {
            let last = try #require(e.report.steps.last)
            #expect(last.name == "ServerGroupAntiAffinityFilter" && last.hostsOut == 0 && last.hostsIn == 4)
            #expect(e.description.contains("ServerGroupAntiAffinityFilter kept 0 of 4 hosts"))
        }
    }

    @Test func multiCreateInOneRequestSpreadsAndAffinityStacks() async throws {
        let cloud = try await Cloud.make(hosts: 4)
        let scheduler = try cloud.scheduler()
        let anti = try await cloud.store.createServerGroup(name: "a", projectID: "p", userID: "u", policy: .antiAffinity)
        let spread = try await cloud.boot(scheduler, Make.spec().hint("group", anti.uuid.uuidString).build(), count: 4)
        #expect(Set(spread).count == 4)
        let aff = try await cloud.store.createServerGroup(name: "b", projectID: "p", userID: "u", policy: .affinity)
        let stacked = try await cloud.boot(scheduler, Make.spec().hint("group", aff.uuid.uuidString).build(), count: 3)
        #expect(Set(stacked).count == 1)
    }
}

@Suite struct ClaimAndRollbackTests {
    @Test func multiCreateRollsBackEveryClaimWhenNotAllFit() async throws {
        let cloud = try await Cloud.make(hosts: 2, vcpus: 2, ram: 2048)
        let scheduler = try cloud.scheduler()
        let big = Make.flavor("big", vcpus: 2, ram: 2048)
        let ids = [UUID(), UUID(), UUID()]
        await #expect(throws: NoValidHost.self) {
            try await scheduler.selectDestinations(Make.spec(big).build(), instanceUUIDs: ids)
        }
        for id in ids { #expect(try await cloud.store.allocations(consumer: id).isEmpty) }
        for n in try await cloud.store.computeNodes() { #expect(n.used == .zero) }
        // Two fit: both claimed, on different hosts, with the other host as no alternate (it is full).
        let two = try await scheduler.selectDestinations(Make.spec(big).build(), instanceUUIDs: [UUID(), UUID()])
        #expect(Set(two.map { $0[0].host }).count == 2)
    }

    /// Two scheduler workers, each with its own connection pool on one store file, race 200 one-instance requests
    /// onto hosts with room for 100: exactly 100 succeed and no host is over-committed.
    @Test func twoWorkersNeverOverCommit() async throws {
        let cloud = try await Cloud.make(hosts: 10, vcpus: 10, ram: 100_000, disk: 1000)
        let second = try NimbusStore(path: cloud.path)
        let workers = [try cloud.scheduler(), try cloud.scheduler(store: second)]
        let spec = Make.spec(Make.flavor(vcpus: 1, ram: 512, disk: 1)).build()
        let successes = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<200 {
                group.addTask {
                    (try? await workers[i % 2].selectDestinations(spec, instanceUUIDs: [UUID()])) != nil
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(successes == 100)
        for n in try await cloud.store.computeNodes() {
            let consumers = try await cloud.store.consumers(onNode: n.uuid)
            #expect(n.used.vcpus <= 10 && n.used.vcpus == consumers.count)
        }
    }
}

@Suite struct ExplainTests {
    @Test func explainNamesTheStepThatRemovedTheLastHost() async throws {
        let cloud = try await Cloud.make(hosts: 3)
        let scheduler = try cloud.scheduler()
        // Too big for any host: the capacity pre-filter removes them all.
        let (report, ranking) = try await scheduler.explain(Make.spec(Make.flavor("huge", vcpus: 64)).build())
        #expect(report.steps.count == 1 && report.steps[0].hostsOut == 0 && ranking.isEmpty)
        let text = SchedulerExplanation.render(flavor: Make.flavor("huge", vcpus: 64), report: report, ranking: ranking)
        #expect(text.contains("No valid host: Placement (capacity pre-filter) removed the last 3 host(s)."))
        #expect(text.contains("insufficient VCPU (3)"))

        // Fits by capacity, but every service is disabled: ComputeFilter removes the last host.
        for s in try await cloud.store.services() { _ = try await cloud.store.updateService(s.uuid, disabled: true) }
        let (r2, _) = try await scheduler.explain(Make.spec().build())
        let text2 = SchedulerExplanation.render(flavor: Make.flavor(), report: r2, ranking: [])
        #expect(text2.contains("No valid host: ComputeFilter removed the last 3 host(s)."))
        #expect(text2.contains("ComputeFilter kept 0 of 3 hosts, removed 3: service disabled (3)"))
        // Explain claims nothing.
        for n in try await cloud.store.computeNodes() { #expect(n.used == .zero) }
    }

    @Test func explainRanksThePassingHosts() async throws {
        let cloud = try await Cloud.make(hosts: 3)
        let scheduler = try cloud.scheduler()
        _ = try await cloud.store.claim(consumer: UUID(), node: cloud.nodes[0].uuid,
                                        resources: Resources(vcpus: 4, memoryMB: 4096, diskGB: 10))
        let (report, ranking) = try await scheduler.explain(Make.spec().build())
        #expect(report.steps.allSatisfy { $0.hostsOut == 3 })
        #expect(ranking.count == 3 && ranking.last?.host.host == "host1")
    }

    @Test func availabilityZoneMapsToAggregates() async throws {
        let cloud = try await Cloud.make(hosts: 3)
        let a = try await cloud.store.createAggregate(name: "rack", availabilityZone: "az1")
        _ = try await cloud.store.addHost("host2", toAggregate: a.id)
        let scheduler = try cloud.scheduler()
        let (report, ranking) = try await scheduler.explain(Make.spec().zone("az1").build())
        #expect(ranking.map(\.host.host) == ["host2"])
        #expect(report.steps.contains { $0.name == "AvailabilityZone (request filter)" && $0.hostsOut == 1 })
        // The default zone names no aggregate: no restriction, as in Nova.
        #expect(try await scheduler.explain(Make.spec().zone("nova").build()).ranking.count == 3)
    }

    @Test func fakeDriverReportsNUMAAndPCIForTheFilters() async throws {
        let cloud = try await Cloud.make(hosts: 1)
        var ctx = try context(["fake.numa_nodes": "2", "fake.pci_devices": "8086:154d:2", "fake.metrics": "cpu=0.5"])
        ctx.host = "numa1"
        let driver = try PluginRegistry.builtin().makeVirtDriver(named: "fake.FakeDriver", context: ctx)
        let r = try await driver.hostResources()
        #expect(r.numaTopology?.cells.count == 2 && r.pciPools?.first?.count == 2 && r.metrics == ["cpu": 0.5])
        _ = try await cloud.store.registerService(host: "numa1", binary: "nova-compute", topic: "compute")
        _ = try await cloud.store.upsertComputeNode(host: "numa1", resources: r,
                                                    inventory: InventorySettings(reserved: .zero, cpuRatio: 1, ramRatio: 1, diskRatio: 1))
        let scheduler = try cloud.scheduler([
            "filter_scheduler.enabled_filters": "ComputeFilter,NUMATopologyFilter,PciPassthroughFilter",
            "pci.alias": #"{"name": "nic", "vendor_id": "8086", "product_id": "154d"}"#])
        let numa = Make.spec(Make.flavor(extraSpecs: ["hw:numa_nodes": "2"])).build()
        #expect(try await scheduler.explain(numa).ranking.map(\.host.host) == ["numa1"])
        let pci = Make.spec(Make.flavor(extraSpecs: ["pci_passthrough:alias": "nic:2"])).build()
        #expect(try await scheduler.explain(pci).ranking.map(\.host.host) == ["numa1"])
        let tooMany = Make.spec(Make.flavor(extraSpecs: ["pci_passthrough:alias": "nic:3"])).build()
        #expect(try await scheduler.explain(tooMany).report.steps.last?.name == "PciPassthroughFilter")
    }
}

@Suite struct SnapshotTests {
    @Test func snapshotMatchesTheFullRows() async throws {
        let cloud = try await Cloud.make(hosts: 3)
        let snap = try await cloud.store.schedulerSnapshot(includeInstanceUUIDs: true)
        let services = try await cloud.store.services(binary: "nova-compute")
        #expect(Set(snap.services.map(\.uuid)) == Set(services.map(\.uuid)))
        #expect(Set(snap.nodes.map(\.uuid)) == Set(cloud.nodes.map { $0.uuid.uuidString.lowercased() }))
        #expect(snap.nodes.allSatisfy { $0.freeVCPU == 8 && $0.freeMemoryMB == 8192 && $0.freeDiskGB == 100 })
    }
}
