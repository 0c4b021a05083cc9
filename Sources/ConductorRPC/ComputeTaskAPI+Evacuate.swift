import Foundation
import NimbusKernel
import NimbusRPC

extension ComputeTaskAPI {
    /// Nova's `rebuild_instance` with `recreate=True` (evacuate; cast, its current form is 1.25): a server whose
    /// host is down is rebuilt on another. Nimbus serves it from 1.27.
    public static let rebuildInstance = RPCMethod<ComputeTaskAPI, EvacuateArgs, Empty>(
        .cast, "rebuild_instance", since: RPCVersion(1, 27))
}

public struct EvacuateArgs: Codable, Sendable, Hashable {
    public var instanceUUID: UUID
    /// The host asked for (scheduled onto unless `force`, 2.29–2.67, bypasses the scheduler's filters).
    public var host: String?
    public var force: Bool
    /// 2.95: the server lands stopped.
    public var targetStopped: Bool
    public var requestID: String
    public var userID: String

    public init(instanceUUID: UUID, host: String?, force: Bool, targetStopped: Bool, requestID: String, userID: String) {
        self.instanceUUID = instanceUUID
        self.host = host
        self.force = force
        self.targetStopped = targetStopped
        self.requestID = requestID
        self.userID = userID
    }
}
