import Foundation
import NimbusKernel
import NimbusRPC

extension ComputeManagerAPI {
    /// Nova's `snapshot_instance` (6.0 in Nova): served from 6.8, a compute older than that does not have it.
    public static let snapshotInstance = RPCMethod<ComputeManagerAPI, SnapshotOperation, Empty>(
        .cast, "snapshot_instance", since: RPCVersion(6, 8))
}

/// The instance and the queued image record the API created for its snapshot.
public struct SnapshotOperation: Codable, Sendable, Hashable {
    public var instance: InstanceRecord
    public var imageID: String
    public var requestID: String?

    public init(instance: InstanceRecord, imageID: String, requestID: String?) {
        self.instance = instance
        self.imageID = imageID
        self.requestID = requestID
    }
}
