import NimbusKernel
import NimbusRPC

extension ComputeManagerAPI {
    /// Nova's `soft_delete_instance` and `restore_instance` (6.0 in Nova): served from 6.8.
    public static let softDeleteInstance = Operation(.cast, "soft_delete_instance", since: RPCVersion(6, 8))
    public static let restoreInstance = Operation(.cast, "restore_instance", since: RPCVersion(6, 8))
}
