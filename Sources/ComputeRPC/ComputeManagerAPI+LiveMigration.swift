import Foundation
import NimbusKernel
import NimbusRPC

/// Live migration on the computes (Nova's `live_migration` to the source, `post_live_migration_at_destination`
/// from source to destination, and the API's `live_migration_force_complete` / `live_migration_abort` to the
/// source), all with the migration record. Served from 6.8.
extension ComputeManagerAPI {
    static let v68 = RPCVersion(6, 8)
    public static let liveMigration = MoveStep(.cast, "live_migration", since: v68)
    /// A call: the source waits for the destination to own the guest before it reports the move done.
    public static let postLiveMigrationAtDestination = RPCMethod<ComputeManagerAPI, MigrationOperation, Empty>(
        .call, "post_live_migration_at_destination", since: v68)
    public static let liveMigrationForceComplete = MoveStep(.cast, "live_migration_force_complete", since: v68)
    public static let liveMigrationAbort = MoveStep(.cast, "live_migration_abort", since: v68)

    static var liveMigrationMethods: [RPCMethodInfo] {
        [liveMigration.info, postLiveMigrationAtDestination.info, liveMigrationForceComplete.info,
         liveMigrationAbort.info]
    }
}
