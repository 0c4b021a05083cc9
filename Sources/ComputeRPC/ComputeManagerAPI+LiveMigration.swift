import Foundation
import NimbusKernel
import NimbusRPC

/// Live migration on the computes (Nova's `live_migration` to the source, `post_live_migration_at_destination`
/// from source to destination, and the API's `live_migration_force_complete` / `live_migration_abort` to the
/// source), all with the migration record. Served from 6.9.
extension ComputeManagerAPI {
    static let v69 = RPCVersion(6, 9)
    public static let liveMigration = MoveStep(.cast, "live_migration", since: v69)
    /// A call: the source waits for the destination to own the guest before it reports the move done.
    public static let postLiveMigrationAtDestination = RPCMethod<ComputeManagerAPI, MigrationOperation, Empty>(
        .call, "post_live_migration_at_destination", since: v69)
    public static let liveMigrationForceComplete = MoveStep(.cast, "live_migration_force_complete", since: v69)
    public static let liveMigrationAbort = MoveStep(.cast, "live_migration_abort", since: v69)

    static var liveMigrationMethods: [RPCMethodInfo] {
        [liveMigration.info, postLiveMigrationAtDestination.info, liveMigrationForceComplete.info,
         liveMigrationAbort.info]
    }
}
