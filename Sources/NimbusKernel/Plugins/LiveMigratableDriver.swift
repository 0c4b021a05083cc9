import Foundation

/// A driver that moves a running guest to another host (Nova's `live_migration`, `post_live_migration_at_source`,
/// `post_live_migration_at_destination`, `live_migration_force_complete`, `live_migration_abort`). A driver
/// without it answers NotImplementedError in the compute: the move is rolled back and the server keeps its state.
public protocol LiveMigratableDriver: VirtDriver {
    /// On the source: copy the running guest to `destination`; returns once the copy converged. Throws
    /// `LiveMigrationAborted` after `liveMigrationAbort`, the guest still running here.
    func liveMigration(_ instance: InstanceRecord, destination: String) async throws
    /// On the source once the destination runs the guest: drop the local copy.
    func postLiveMigrationAtSource(_ instance: InstanceRecord) async throws
    /// On the destination: the guest arrived, in the power state it had on the source.
    func postLiveMigrationAtDestination(_ instance: InstanceRecord, powerState: PowerState) async throws
    /// Make a running migration converge now (libvirt pauses the guest or switches to post-copy).
    func liveMigrationForceComplete(_ instance: InstanceRecord) async throws
    /// Stop the migration: the guest stays on the source.
    func liveMigrationAbort(_ instance: InstanceRecord) async throws
}

/// The migration was stopped by `liveMigrationAbort` (Nova's `MigrationAbortedByUser` path): roll back, `cancelled`.
public struct LiveMigrationAborted: Error, Sendable, CustomStringConvertible {
    public init() {}
    public var description: String { "The live migration was aborted." }
}
