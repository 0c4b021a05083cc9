import Foundation
import NimbusKernel
import NimbusRPC

extension ConductorAPI {
    /// A compute writes one step of a move (migration status, instance fields, allocation move) in one
    /// transaction. Nimbus's own method (Nova's computes save the objects one by one), so the next minor.
    public static let migrationStep = Call<MigrationStep, MigrationStepResult>(
        .call, "migration_step", since: RPCVersion(3, 2))

    /// The migration and instance as written.
    public struct MigrationStepResult: Codable, Sendable, Hashable {
        public var migration: MigrationRecord
        public var instance: InstanceRecord
        public init(migration: MigrationRecord, instance: InstanceRecord) {
            self.migration = migration
            self.instance = instance
        }
    }
}
