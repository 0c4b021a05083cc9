import Foundation
import NimbusKernel
import NimbusRPC

/// The resize and cold-migrate steps (Nova's 6.0 methods of the same names), cast from host to host: the
/// conductor casts `prep_resize` to the destination, which casts `resize_instance` to the source, which casts
/// `finish_resize` back; the API casts `confirm_resize` to the source and `revert_resize` to the destination,
/// which casts `finish_revert_resize` to the source.
extension ComputeManagerAPI {
    public typealias MoveStep = RPCMethod<ComputeManagerAPI, MigrationOperation, Empty>

    public static let prepResize = MoveStep(.cast, "prep_resize", since: v6)
    public static let resizeInstance = MoveStep(.cast, "resize_instance", since: v6)
    public static let finishResize = MoveStep(.cast, "finish_resize", since: v6)
    public static let confirmResize = MoveStep(.cast, "confirm_resize", since: v6)
    public static let revertResize = MoveStep(.cast, "revert_resize", since: v6)
    public static let finishRevertResize = MoveStep(.cast, "finish_revert_resize", since: v6)

    static let resizeMethods: [RPCMethodInfo] = [
        prepResize.info, resizeInstance.info, finishResize.info, confirmResize.info, revertResize.info,
        finishRevertResize.info,
    ]
}

/// One step of a move: the instance, its migration record, the request that started it.
public struct MigrationOperation: Codable, Sendable, Hashable {
    public var instance: InstanceRecord
    public var migration: MigrationRecord
    public var requestID: String?

    public init(instance: InstanceRecord, migration: MigrationRecord, requestID: String? = nil) {
        self.instance = instance
        self.migration = migration
        self.requestID = requestID
    }
}
