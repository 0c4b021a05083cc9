import Foundation
import NimbusKernel

/// The claims area of the store contract: compute node inventory, the capacity pre-filter and claims
/// (Placement's allocations). Each engine (SQLite here, PostgreSQL in NimbusStorePostgres) implements it with
/// the same guarantees: a claim checks room and the provider generation and writes usage in one transaction,
/// so concurrent claims from any number of workers never over-commit a node. The conformance suite
/// (Tests/StoreConformanceTests) runs the same checks on every engine.
public protocol ClaimStore: Sendable {
    /// Creates or refreshes a node's inventory (Nova's `update_available_resource`), keeping its usage.
    @discardableResult
    func upsertComputeNode(host: String, resources: HostResources, inventory: InventorySettings) async throws
        -> ComputeNodeRecord
    func computeNodes() async throws -> [ComputeNodeRecord]
    func computeNode(_ uuid: UUID) async throws -> ComputeNodeRecord?
    /// Nodes with room for `resources`, by hypervisor hostname.
    func candidates(for resources: Resources) async throws -> [ComputeNodeRecord]
    /// False when the node has no room; `StoreError.generationConflict` when `expectedGeneration` is stale.
    func claim(consumer: UUID, node: UUID, resources: Resources, expectedGeneration: Int?, projectID: String?,
               userID: String?) async throws -> Bool
    /// All of a scheduler request's claims, or none.
    func claimBatch(_ claims: [(consumer: UUID, node: UUID, expectedGeneration: Int?)], resources: Resources,
                    projectID: String?, userID: String?) async throws -> NimbusStore.ClaimBatchOutcome
    /// Removes every allocation of `consumer`, giving the capacity back; returns how many there were.
    @discardableResult
    func releaseAllocations(consumer: UUID) async throws -> Int
    func allocations(consumer: UUID) async throws -> [(node: UUID, resources: Resources)]
    func consumers(onNode node: UUID) async throws -> [UUID]
}

extension NimbusStore: ClaimStore {}
