import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import Testing

@Suite struct AggregateStoreTests {
    @Test func createAddHostsMetadataAndDelete() async throws {
        let store = try openStore()
        let a = try await store.createAggregate(name: "rack1", availabilityZone: "az1")
        #expect(a.availabilityZone == "az1" && a.hosts.isEmpty)
        await #expect(throws: StoreError.self) { try await store.createAggregate(name: "rack1") }
        _ = try await store.addHost("h1", toAggregate: a.id)
        let b = try await store.addHost("h2", toAggregate: a.id)
        #expect(b.hosts == ["h1", "h2"])
        await #expect(throws: StoreError.self) { try await store.addHost("h1", toAggregate: a.id) }
        let m = try await store.setMetadata(aggregate: a.id, ["ssd": "true", "availability_zone": nil])
        #expect(m.metadata == ["ssd": "true"] && m.availabilityZone == nil)
        #expect(try await store.aggregates(forHost: "h2").map(\.name) == ["rack1"])
        #expect(try await store.aggregatesByHost()["h1"]?.first?.metadata == ["ssd": "true"])
        let renamed = try await store.updateAggregate(id: a.id, name: "rack-one", availabilityZone: "az2")
        #expect(renamed.name == "rack-one" && renamed.availabilityZone == "az2")
        // Nova refuses to delete an aggregate that still has hosts.
        await #expect(throws: StoreError.self) { try await store.deleteAggregate(id: a.id) }
        _ = try await store.removeHost("h1", fromAggregate: a.id)
        _ = try await store.removeHost("h2", fromAggregate: a.id)
        try await store.deleteAggregate(id: a.id)
        #expect(try await store.aggregates().isEmpty)
        await #expect(throws: StoreError.self) { try await store.aggregate(id: a.id) }
    }
}

@Suite struct ServerGroupStoreTests {
    @Test func groupsMembersAndSchedulerView() async throws {
        let store = try openStore()
        let g = try await store.createServerGroup(name: "web", projectID: "p1", userID: "u1", policy: .antiAffinity,
                                                  rules: ["max_server_per_host": "2"])
        _ = try await store.createServerGroup(name: "db", projectID: "p2", userID: "u2", policy: .affinity)
        #expect(g.maxServerPerHost == 2)
        #expect(try await store.serverGroups(project: "p1").map(\.name) == ["web"])
        #expect(try await store.serverGroups(project: nil).count == 2)
        let i1 = UUID(), i2 = UUID()
        try await store.addMember(i1, toGroup: g.uuid)
        try await store.addMember(i2, toGroup: g.uuid)
        try await store.addMember(i2, toGroup: g.uuid)
        #expect(Set(try await store.serverGroup(uuid: g.uuid).members) == [i1, i2])
        #expect(try await store.serverGroup(forInstance: i1)?.uuid == g.uuid)
        // Members without a live instance row have no host yet: the scheduler sees none.
        let info = try await store.instanceGroupInfo(uuid: g.uuid)
        #expect(info.policy == .antiAffinity && info.hosts.isEmpty && info.maxServerPerHost == 2)
        try await store.removeMember(i1)
        #expect(try await store.serverGroup(uuid: g.uuid).members == [i2])
        try await store.deleteServerGroup(uuid: g.uuid)
        await #expect(throws: StoreError.self) { try await store.serverGroup(uuid: g.uuid) }
    }

    @Test func computeNodeKeepsNUMAAndPCIInventory() async throws {
        let store = try openStore()
        _ = try await store.registerService(host: "h1", binary: "nova-compute", topic: "compute")
        let r = HostResources(hypervisorHostname: "h1", vcpus: 8, memoryMB: 8192, localGB: 100,
                              numaTopology: .even(cells: 2, cpus: 8, memoryMB: 8192),
                              pciPools: [PCIPool(vendorID: "8086", productID: "154d", count: 4, numaNode: 0)],
                              metrics: ["cpu.percent": 0.25])
        let n = try await store.upsertComputeNode(
            host: "h1", resources: r,
            inventory: InventorySettings(reserved: .zero, cpuRatio: 1, ramRatio: 1, diskRatio: 1))
        #expect(n.resources.numaTopology?.cells.count == 2)
        #expect(n.resources.pciPools?.first?.count == 4)
        #expect(n.resources.metrics == ["cpu.percent": 0.25])
    }
}
