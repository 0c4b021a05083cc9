import Foundation
import NimbusKernel
import NimbusStore
import Testing

/// The claims area of the store contract, the same checks on every engine.
@Suite struct ClaimStoreConformanceTests {
    @Test(arguments: Engine.allCases)
    func upsertKeepsUsageAndFollowsRatioPrecedence(_ engine: Engine) async throws {
        try await withStores(engine) { s in
            let store = s[0]
            let n = try await store.upsertComputeNode(host: "h1", resources: host("h1"), inventory: inventory(ratio: 4.0))
            #expect(n.cpuAllocationRatio == 4.0 && n.used == .zero && n.host == "h1")
            #expect(try await store.claim(consumer: UUID(), node: n.uuid, resources: small, expectedGeneration: nil,
                                          projectID: "p", userID: "u"))
            // A refresh keeps the usage and the node's own ratio (the initial one applies to new nodes only)…
            let again = try await store.upsertComputeNode(host: "h1", resources: host("h1", vcpus: 8),
                                                          inventory: inventory(ratio: 16.0))
            #expect(again.uuid == n.uuid && again.resources.vcpus == 8 && again.cpuAllocationRatio == 4.0)
            #expect(again.used == small && again.generation > n.generation)
            // …unless the operator configured one.
            let set = try await store.upsertComputeNode(host: "h1", resources: host("h1", vcpus: 8),
                                                        inventory: inventory(configuredRatio: 2.0))
            #expect(set.cpuAllocationRatio == 2.0)
            _ = try await store.upsertComputeNode(host: "h0", resources: host("h0"), inventory: inventory())
            #expect(try await store.computeNodes().map(\.host) == ["h0", "h1"])
            #expect(try await store.computeNode(n.uuid)?.resources.vcpus == 8)
            #expect(try await store.computeNode(UUID()) == nil)
        }
    }

    @Test(arguments: Engine.allCases)
    func candidatesApplyReservedAndRatios(_ engine: Engine) async throws {
        try await withStores(engine) { s in
            let store = s[0]
            _ = try await store.upsertComputeNode(host: "big", resources: host("big", vcpus: 2, ram: 8192),
                                                  inventory: inventory(ratio: 4.0))
            _ = try await store.upsertComputeNode(host: "reserved", resources: host("reserved", ram: 4096),
                                                  inventory: inventory(reservedRAM: 3800))
            // 8 vCPUs fit only with big's ratio 4; 512 MB do not fit where 3800 of 4096 MB are reserved.
            #expect(try await store.candidates(for: Resources(vcpus: 8, memoryMB: 256, diskGB: 1)).map(\.host) == ["big"])
            #expect(try await store.candidates(for: small).map(\.host) == ["big"])
            #expect(try await store.candidates(for: Resources(vcpus: 1, memoryMB: 256, diskGB: 1)).map(\.host)
                    == ["big", "reserved"])
        }
    }

    @Test(arguments: Engine.allCases)
    func claimChecksRoomAndGeneration(_ engine: Engine) async throws {
        try await withStores(engine) { s in
            let store = s[0]
            let n = try await store.upsertComputeNode(host: "h", resources: host("h", vcpus: 2), inventory: inventory())
            let a = UUID()
            #expect(try await store.claim(consumer: a, node: n.uuid, resources: small, expectedGeneration: n.generation,
                                          projectID: "p", userID: "u"))
            let after = try #require(try await store.computeNode(n.uuid))
            #expect(after.used == small && after.generation == n.generation + 1)
            // A stale generation is a conflict, not a silent claim.
            await #expect(throws: StoreError.self) {
                _ = try await store.claim(consumer: UUID(), node: n.uuid, resources: small,
                                          expectedGeneration: n.generation, projectID: nil, userID: nil)
            }
            // No room: false and nothing written.
            #expect(try await !store.claim(consumer: UUID(), node: n.uuid, resources: Resources(vcpus: 2, memoryMB: 1, diskGB: 1),
                                           expectedGeneration: nil, projectID: nil, userID: nil))
            #expect(try await store.computeNode(n.uuid)?.used == small)
            await #expect(throws: StoreError.self) {
                _ = try await store.claim(consumer: UUID(), node: UUID(), resources: small, expectedGeneration: nil,
                                          projectID: nil, userID: nil)
            }
            #expect(try await store.allocations(consumer: a).map(\.node) == [n.uuid])
            #expect(try await store.consumers(onNode: n.uuid) == [a])
        }
    }

    @Test(arguments: Engine.allCases)
    func batchIsAllOrNothingAndReleaseGivesBack(_ engine: Engine) async throws {
        try await withStores(engine) { s in
            let store = s[0]
            let n1 = try await store.upsertComputeNode(host: "n1", resources: host("n1", vcpus: 1), inventory: inventory())
            let n2 = try await store.upsertComputeNode(host: "n2", resources: host("n2", vcpus: 1), inventory: inventory())
            let c = [UUID(), UUID(), UUID()]
            let full = try await store.claimBatch([(c[0], n1.uuid, nil), (c[1], n2.uuid, nil), (c[2], n1.uuid, nil)],
                                                  resources: small, projectID: "p", userID: "u")
            #expect(full == .noRoom(index: 2))
            #expect(try await store.computeNodes().allSatisfy { $0.used == .zero })
            let stale = try await store.claimBatch([(c[0], n1.uuid, n1.generation + 7)], resources: small,
                                                   projectID: "p", userID: "u")
            #expect(stale == .conflict(index: 0))
            let ok = try await store.claimBatch([(c[0], n1.uuid, n1.generation), (c[0], n2.uuid, n2.generation)],
                                                resources: small, projectID: "p", userID: "u")
            #expect(ok == .claimed)
            #expect(Set(try await store.allocations(consumer: c[0]).map(\.node)) == [n1.uuid, n2.uuid])
            #expect(try await store.releaseAllocations(consumer: c[0]) == 2)
            #expect(try await store.releaseAllocations(consumer: c[0]) == 0)
            #expect(try await store.computeNodes().allSatisfy { $0.used == .zero })
            #expect(try await store.allocations(consumer: c[0]).isEmpty)
        }
    }

    /// The race: two workers, 200 claims at once onto room for 100 → exactly 100.
    @Test(arguments: Engine.allCases)
    func twoWorkersNeverOvercommit(_ engine: Engine) async throws {
        try await withStores(engine, workers: 2) { s in
            let n = try await s[0].upsertComputeNode(host: "h", resources: host("h", vcpus: 100, ram: 1_000_000, disk: 100_000),
                                                     inventory: inventory())
            let won = try await withThrowingTaskGroup(of: Bool.self) { g in
                for i in 0..<200 {
                    let store = s[i % 2]
                    g.addTask {
                        try await store.claim(consumer: UUID(), node: n.uuid, resources: small, expectedGeneration: nil,
                                              projectID: "p", userID: "u")
                    }
                }
                var count = 0
                for try await ok in g where ok { count += 1 }
                return count
            }
            #expect(won == 100)
            let node = try #require(try await s[1].computeNode(n.uuid))
            #expect(node.used.vcpus == 100 && node.generation == n.generation + 100)
            #expect(try await s[1].consumers(onNode: n.uuid).count == 100)
        }
    }
}
