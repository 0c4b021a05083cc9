import Foundation
import NimbusKernel
import NimbusRPC

extension ComputeManagerAPI {
    /// Nova's `rescue_instance` and `unrescue_instance` (6.0).
    public static let rescueInstance = RPCMethod<ComputeManagerAPI, RescueOperation, Empty>(
        .cast, "rescue_instance", since: v6)
    public static let unrescueInstance = Operation(.cast, "unrescue_instance", since: v6)
    /// Nova's `trigger_crash_dump` (6.0): no task state; a failure shows only in the action's event.
    public static let triggerCrashDump = Operation(.cast, "trigger_crash_dump", since: v6)
}

/// The instance and the image to boot it from (the request's `rescue_image_ref`, else its own image).
public struct RescueOperation: Codable, Sendable, Hashable {
    public var instance: InstanceRecord
    public var rescueImageRef: String
    public var requestID: String?

    public init(instance: InstanceRecord, rescueImageRef: String, requestID: String?) {
        self.instance = instance
        self.rescueImageRef = rescueImageRef
        self.requestID = requestID
    }
}
