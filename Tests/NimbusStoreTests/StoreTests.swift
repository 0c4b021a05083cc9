import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import Testing

func tempDB() -> String { NSTemporaryDirectory() + "nimbus-store-\(UUID().uuidString)/nimbus.sqlite" }

func openStore(_ path: String = tempDB()) throws -> NimbusStore {
    let s = try NimbusStore(path: path)
    try s.migrate()
    return s
}

func addNode(_ store: NimbusStore, _ host: String, vcpus: Int = 4, ram: Int = 4096, disk: Int = 100,
             reservedRAM: Int = 0, cpuRatio: Double = 1.0) async throws -> ComputeNodeRecord {
    _ = try await store.registerService(host: host, binary: "nova-compute", topic: "compute")
    return try await store.upsertComputeNode(
        host: host, resources: HostResources(hypervisorHostname: host, vcpus: vcpus, memoryMB: ram, localGB: disk),
        inventory: InventorySettings(reserved: Resources(vcpus: 0, memoryMB: reservedRAM, diskGB: 0),
                                     cpuRatio: cpuRatio, ramRatio: 1.0, diskRatio: 1.0))
}

@Suite struct MigrationTests {
    @Test func migratesAnEmptyDatabase() throws {
        let store = try NimbusStore(path: tempDB())
        #expect(try store.appliedMigrations().isEmpty)
        #expect(try store.migrate() == NimbusStore.knownMigrations.sorted())
        #expect(try store.journalMode() == "wal")
    }

    @Test func migratingAnExistingDatabaseKeepsItsData() async throws {
        let path = tempDB()
        let first = try openStore(path)
        _ = try await first.createFlavor(Make.flavor("keep"))
        let again = try NimbusStore(path: path)
        #expect(try again.migrate().isEmpty)  // nothing left to apply
        #expect(try await again.flavors().map(\.name) == ["keep"])
    }

    @Test func foreignKeysAreEnforced() async throws {
        let store = try openStore()
        await #expect(throws: (any Error).self) {
            try await store.addFault(InstanceFault(instanceUUID: UUID(), code: 500, message: "orphan"))
        }
    }
}

@Suite struct ClaimTests {
    @Test func capacityUsesReservedAndAllocationRatio() async throws {
        let store = try openStore()
        _ = try await addNode(store, "small", vcpus: 2, ram: 2048, reservedRAM: 512, cpuRatio: 4.0)
        // (2048 − 512) × 1.0 = 1536 MB; (2 − 0) × 4.0 = 8 VCPU.
        #expect(try await store.candidates(for: Resources(vcpus: 8, memoryMB: 1536, diskGB: 1)).count == 1)
        #expect(try await store.candidates(for: Resources(vcpus: 9, memoryMB: 512, diskGB: 1)).isEmpty)
        #expect(try await store.candidates(for: Resources(vcpus: 1, memoryMB: 1537, diskGB: 1)).isEmpty)
        let summary = try await store.capacitySummary(for: Resources(vcpus: 1, memoryMB: 4096, diskGB: 1))
        #expect(summary.total == 1 && summary.shortMemory == 1 && summary.shortVCPU == 0)
    }

    @Test func twoConcurrentClaimsForRoomForOneExactlyOneWins() async throws {
        let path = tempDB()
        let a = try openStore(path)
        let b = try NimbusStore(path: path)  // a second connection pool, as a second scheduler process has
        let node = try await addNode(a, "h1", vcpus: 1, ram: 1024, disk: 10)
        let need = Resources(vcpus: 1, memoryMB: 1024, diskGB: 10)
        for _ in 0..<20 {
            async let first = a.claim(consumer: UUID(), node: node.uuid, resources: need)
            async let second = b.claim(consumer: UUID(), node: node.uuid, resources: need)
            let results = try await [first, second]
            #expect(results.filter { $0 }.count == 1)
            let used = try await a.computeNode(node.uuid)!.used
            #expect(used == need)
            // Free the winner for the next round.
            for row in try await a.consumers(onNode: node.uuid) { try await a.releaseAllocations(consumer: row) }
        }
    }

    @Test func staleGenerationIsAConflict() async throws {
        let store = try openStore()
        let node = try await addNode(store, "h1")
        let need = Resources(vcpus: 1, memoryMB: 512, diskGB: 1)
        #expect(try await store.claim(consumer: UUID(), node: node.uuid, resources: need, expectedGeneration: node.generation))
        await #expect(throws: StoreError.self) {
            try await store.claim(consumer: UUID(), node: node.uuid, resources: need, expectedGeneration: node.generation)
        }
    }

    @Test func releaseGivesCapacityBack() async throws {
        let store = try openStore()
        let node = try await addNode(store, "h1", vcpus: 2, ram: 2048, disk: 20)
        let consumer = UUID()
        let need = Resources(vcpus: 2, memoryMB: 2048, diskGB: 20)
        #expect(try await store.claim(consumer: consumer, node: node.uuid, resources: need))
        #expect(try await store.candidates(for: need).isEmpty)
        #expect(try await store.releaseAllocations(consumer: consumer) == 1)
        #expect(try await store.candidates(for: need).count == 1)
        #expect(try await store.computeNode(node.uuid)!.used == .zero)
    }

    @Test func claimAllIsAllOrNothing() async throws {
        let store = try openStore()
        let n1 = try await addNode(store, "h1", vcpus: 1, ram: 1024, disk: 10)
        let need = Resources(vcpus: 1, memoryMB: 1024, diskGB: 10)
        let ok = try await store.claimAll([(UUID(), n1.uuid, need), (UUID(), n1.uuid, need)], projectID: nil, userID: nil)
        #expect(!ok)
        #expect(try await store.computeNode(n1.uuid)!.used == .zero)
    }
}
