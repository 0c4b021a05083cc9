import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import Testing

/// Migration 005's change markers and the batched claim the scheduler relies on.
@Suite struct SchedulerChangesTests {
    @Test func onlyChangedRowsComeBack() async throws {
        let store = try openStore()
        let n1 = try await addNode(store, "h1")
        _ = try await addNode(store, "h2")
        let first = try #require(try await store.schedulerChanges(since: nil, known: [:], includeInstanceUUIDs: false))
        #expect(first.full && first.nodes.count == 2 && first.services.count == 2 && first.records.count == 2)
        #expect(try await store.schedulerChanges(since: first.marker, known: [:], includeInstanceUUIDs: false) == nil)

        // A claim: only that node, usage only (its static part is known).
        let known = Dictionary(uniqueKeysWithValues: first.nodes.map { ($0.uuid, $0.updatedAt) })
        #expect(try await store.claim(consumer: UUID(), node: n1.uuid, resources: Resources(vcpus: 1, memoryMB: 512, diskGB: 1)))
        let c = try #require(try await store.schedulerChanges(since: first.marker, known: known, includeInstanceUUIDs: false))
        #expect(!c.full && c.nodes.map(\.host) == ["h1"] && c.records.isEmpty && c.services.isEmpty)
        #expect(c.nodes[0].used.vcpus == 1 && c.aggregatesByHost == nil)

        // A heartbeat: only that service.
        let s2 = try #require(try await store.services(host: "h2").first)
        try await store.heartbeat(service: s2.uuid)
        let h = try #require(try await store.schedulerChanges(since: c.marker, known: known, includeInstanceUUIDs: false))
        #expect(!h.full && h.nodes.isEmpty && h.services.map(\.host) == ["h2"])

        // An instance landing on h2 marks the node, with its count.
        let vm = Make.instance()
        try await store.createInstances([vm], spec: Make.spec().build(), requestID: "r")
        try await store.updateInstance(vm.uuid, InstanceUpdate(host: .some("h2"), node: .some("h2")))
        let i = try #require(try await store.schedulerChanges(since: h.marker, known: known, includeInstanceUUIDs: true))
        #expect(i.nodes.map(\.host) == ["h2"] && i.instanceCounts["h2"]?.instances == 1)
        #expect(i.instanceUUIDsByNode?["h2"] == [vm.uuid])

        // Aggregates come back whole; a new node means a full read.
        let agg = try await store.createAggregate(name: "a", availabilityZone: "z")
        _ = try await store.addHost("h1", toAggregate: agg.id)
        let a = try #require(try await store.schedulerChanges(since: i.marker, known: known, includeInstanceUUIDs: false))
        #expect(!a.full && a.aggregatesByHost?["h1"]?.first?.availabilityZone == "z")
        _ = try await addNode(store, "h3")
        let n = try #require(try await store.schedulerChanges(since: a.marker, known: known, includeInstanceUUIDs: false))
        #expect(n.full && n.nodes.count == 3 && n.records.keys.count == 1)
    }

    @Test func claimBatchIsAllOrNothingAndChecksGenerations() async throws {
        let store = try openStore()
        let n1 = try await addNode(store, "h1", vcpus: 2, ram: 2048, disk: 10)
        let need = Resources(vcpus: 1, memoryMB: 1024, diskGB: 1)
        let g = n1.generation
        // Three on a node with room for two: nothing is written.
        let over = try await store.claimBatch([(UUID(), n1.uuid, g), (UUID(), n1.uuid, g + 1), (UUID(), n1.uuid, g + 2)],
                                              resources: need, projectID: nil, userID: nil)
        #expect(over == .noRoom(index: 2))
        #expect(try await store.computeNode(n1.uuid)!.used == .zero)
        // A stale generation: conflict, nothing written.
        let stale = try await store.claimBatch([(UUID(), n1.uuid, g), (UUID(), n1.uuid, g)], resources: need,
                                               projectID: nil, userID: nil)
        #expect(stale == .conflict(index: 1))
        #expect(try await store.computeNode(n1.uuid)!.used == .zero)
        let ids = [UUID(), UUID()]
        #expect(try await store.claimBatch([(ids[0], n1.uuid, g), (ids[1], n1.uuid, g + 1)], resources: need,
                                           projectID: "p", userID: "u") == .claimed)
        #expect(try await store.computeNode(n1.uuid)!.used == Resources(vcpus: 2, memoryMB: 2048, diskGB: 2))
        #expect(Set(try await store.consumers(onNode: n1.uuid)) == Set(ids))
    }
}
