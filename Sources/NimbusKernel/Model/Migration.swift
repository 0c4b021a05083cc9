import Foundation

/// A move of an instance between hosts (Nova's `migrations` table): resize and cold migrate so far.
public struct MigrationRecord: Codable, Sendable, Hashable {
    /// Nova's `MigrationType` values.
    public enum Kind: String, Codable, Sendable, Hashable {
        case resize, migration
        case liveMigration = "live-migration"
        case evacuation
    }

    public var id: Int
    /// Also the placement consumer that holds the source allocation while the move is in flight.
    public var uuid: UUID
    public var instanceUUID: UUID
    public var kind: Kind
    /// Nova's status strings (`pre-migrating`, `migrating`, `post-migrating`, `finished`, `confirming`, …).
    public var status: String
    public var sourceCompute: String
    public var sourceNode: String
    public var destCompute: String?
    public var destNode: String?
    public var destHost: String?
    public var oldFlavor: Flavor
    public var newFlavor: Flavor
    /// The vm_state before the move (Nova's `system_metadata['old_vm_state']`): a stopped server stays stopped.
    public var oldVMState: VMState
    public var projectID: String
    public var userID: String
    public var createdAt: Date
    public var updatedAt: Date?

    public init(id: Int = 0, uuid: UUID = UUID(), instanceUUID: UUID, kind: Kind, status: String, sourceCompute: String,
                sourceNode: String, destCompute: String? = nil, destNode: String? = nil, destHost: String? = nil,
                oldFlavor: Flavor, newFlavor: Flavor, oldVMState: VMState, projectID: String, userID: String,
                createdAt: Date = Date(), updatedAt: Date? = nil) {
        self.id = id
        self.uuid = uuid
        self.instanceUUID = instanceUUID
        self.kind = kind
        self.status = status
        self.sourceCompute = sourceCompute
        self.sourceNode = sourceNode
        self.destCompute = destCompute
        self.destNode = destNode
        self.destHost = destHost
        self.oldFlavor = oldFlavor
        self.newFlavor = newFlavor
        self.oldVMState = oldVMState
        self.projectID = projectID
        self.userID = userID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Statuses resource tracking and the APIs treat as over (`migration_get_in_progress_by_host_and_node`).
    public static let finalStatuses: Set<String> = ["confirmed", "reverted", "error", "failed", "completed",
                                                    "cancelled", "done"]
}

/// One step of a move, written by the store in one transaction: the migration's status (guarded by the
/// status it must have), the instance's fields, and what happens to the two consumers' allocations.
public struct MigrationStep: Codable, Sendable {
    public enum Allocations: String, Codable, Sendable, Hashable {
        /// Leave them.
        case keep
        /// Confirm: free the source (the migration consumer's allocation).
        case dropSource
        /// Revert or failure: free the destination (the instance's) and give the source allocation back to the
        /// instance.
        case restoreSource
    }

    public var migrationUUID: UUID
    public var expectedStatuses: [String]
    public var status: String
    public var destCompute: String?
    public var destNode: String?
    public var destHost: String?
    /// Applied to the instance in the same transaction (its own `expectedTaskStates` guard included).
    public var instance: InstanceUpdate?
    /// The instance's flavor from now on (finish: the new one; revert: the old one).
    public var flavor: Flavor?
    public var allocations: Allocations

    public init(migrationUUID: UUID, expectedStatuses: [String], status: String, destCompute: String? = nil,
                destNode: String? = nil, destHost: String? = nil, instance: InstanceUpdate? = nil,
                flavor: Flavor? = nil, allocations: Allocations = .keep) {
        self.migrationUUID = migrationUUID
        self.expectedStatuses = expectedStatuses
        self.status = status
        self.destCompute = destCompute
        self.destNode = destNode
        self.destHost = destHost
        self.instance = instance
        self.flavor = flavor
        self.allocations = allocations
    }
}
