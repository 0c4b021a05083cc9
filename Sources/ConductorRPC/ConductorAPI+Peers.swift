import Foundation
import NimbusKernel
import NimbusRPC

extension ConductorAPI {
    /// Every compute service with the RPC endpoint it registered: a compute of a split deployment (which never
    /// opens the database) learns where its peers listen, so compute-to-compute steps of a move (resize_instance,
    /// finish_resize, post_live_migration_at_destination) reach them. Nimbus's own, 3.4.
    public static let computeServices = Call<Empty, [ServiceRecord]>(.call, "compute_services", since: RPCVersion(3, 4))
}
