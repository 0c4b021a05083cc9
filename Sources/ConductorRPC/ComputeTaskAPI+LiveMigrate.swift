import Foundation
import NimbusKernel
import NimbusRPC

extension ComputeTaskAPI {
    /// Nova's `live_migrate_instance` (cast, 2.34+ API form): schedule or take the forced host, record the
    /// `live-migration` migration and hand it to the source compute. Nimbus serves it from 1.28.
    public static let liveMigrateInstance = RPCMethod<ComputeTaskAPI, LiveMigrateArgs, Empty>(
        .cast, "live_migrate_instance", since: RPCVersion(1, 28))
    /// Before 2.34 the API waits for the pre-checks (Nova's `migrate_server` call with `live=True`): the reply
    /// names the failure the API answers as 400; a move that passed goes on as after the cast.
    public static let migrateServerLive = RPCMethod<ComputeTaskAPI, LiveMigrateArgs, LiveMigratePrecheck>(
        .call, "migrate_server_live", since: RPCVersion(1, 28))
}

public struct LiveMigratePrecheck: Codable, Sendable, Hashable {
    /// nil: the move was handed to the source compute.
    public var error: String?
    public init(error: String?) { self.error = error }
}

public struct LiveMigrateArgs: Codable, Sendable, Hashable {
    public var instanceUUID: UUID
    /// The host asked for: scheduled onto (filters and claim) unless `force` (before 2.30 any host is forced).
    public var host: String?
    public var force: Bool
    /// nil is `"auto"` (the driver decides).
    public var blockMigration: Bool?
    public var requestID: String
    public var userID: String

    public init(instanceUUID: UUID, host: String?, force: Bool, blockMigration: Bool?, requestID: String, userID: String) {
        self.instanceUUID = instanceUUID
        self.host = host
        self.force = force
        self.blockMigration = blockMigration
        self.requestID = requestID
        self.userID = userID
    }
}
