import Foundation
import NimbusKernel
import NimbusRPC

extension ComputeManagerAPI {
    /// Nova's `rebuild_instance` (6.0): the same host and claim, a new image (Nova's default implementation:
    /// destroy, then spawn); with a migration it is an evacuation (`recreate`) to this host. Its evacuation fields
    /// are served from 6.8.
    public static let rebuildInstance = RPCMethod<ComputeManagerAPI, RebuildOperation, Empty>(
        .cast, "rebuild_instance", since: RPCVersion(6, 8))
}

/// The instance as rebuilt (new image, name, metadata, key, user data already saved) and what the spawn needs.
public struct RebuildOperation: Codable, Sendable, Hashable {
    public var instance: InstanceRecord
    /// The vm_state before the rebuild: a stopped server is stopped again afterwards.
    public var oldVMState: VMState
    public var imageProperties: [String: String]
    public var preserveEphemeral: Bool
    public var requestID: String?
    /// Evacuation (Nova's `recreate`): the `evacuation` migration whose destination is this host.
    public var migration: MigrationRecord?
    /// 2.95: the evacuated server lands stopped.
    public var targetStopped: Bool?

    public init(instance: InstanceRecord, oldVMState: VMState, imageProperties: [String: String],
                preserveEphemeral: Bool, requestID: String?, migration: MigrationRecord? = nil,
                targetStopped: Bool? = nil) {
        self.instance = instance
        self.oldVMState = oldVMState
        self.imageProperties = imageProperties
        self.preserveEphemeral = preserveEphemeral
        self.requestID = requestID
        self.migration = migration
        self.targetStopped = targetStopped
    }
}
