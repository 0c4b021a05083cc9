import Foundation
import NimbusKernel
import NimbusRPC

extension ComputeManagerAPI {
    /// Nova's `shelve_instance`, `shelve_offload_instance` and `unshelve_instance` (6.0 in Nova): served from 6.8.
    public static let shelveInstance = RPCMethod<ComputeManagerAPI, SnapshotOperation, Empty>(
        .cast, "shelve_instance", since: RPCVersion(6, 8))
    public static let shelveOffloadInstance = Operation(.cast, "shelve_offload_instance", since: RPCVersion(6, 8))
    public static let unshelveInstance = RPCMethod<ComputeManagerAPI, UnshelveOperation, Empty>(
        .cast, "unshelve_instance", since: RPCVersion(6, 8))
}

/// An offloaded server to spawn again on the host the scheduler chose (and claimed), from its shelved snapshot.
public struct UnshelveOperation: Codable, Sendable, Hashable {
    public var instance: InstanceRecord
    /// The shelved snapshot (nil: spawn from the server's own image).
    public var imageID: String?
    public var selection: Selection
    public var requestID: String?

    public init(instance: InstanceRecord, imageID: String?, selection: Selection, requestID: String?) {
        self.instance = instance
        self.imageID = imageID
        self.selection = selection
        self.requestID = requestID
    }
}
