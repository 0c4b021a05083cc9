import Foundation
import NimbusKernel
import NimbusRPC

extension ComputeTaskAPI {
    /// Resize and cold migrate (Nova's `migrate_server`, cast with `do_cast=True`; its current form is 1.25).
    public static let migrateServer = RPCMethod<ComputeTaskAPI, MigrateServerArgs, Empty>(
        .cast, "migrate_server", since: RPCVersion(1, 25))
}

/// What the API asks the conductor to move: the flavor to land with (the current one for a cold migrate),
/// the host asked for (migrate 2.56) and whether the current host may be chosen again.
public struct MigrateServerArgs: Codable, Sendable, Hashable {
    public var instanceUUID: UUID
    public var kind: MigrationRecord.Kind
    public var newFlavor: Flavor
    public var requestedHost: String?
    public var allowSameHost: Bool
    public var requestID: String
    public var userID: String

    public init(instanceUUID: UUID, kind: MigrationRecord.Kind, newFlavor: Flavor, requestedHost: String?,
                allowSameHost: Bool, requestID: String, userID: String) {
        self.instanceUUID = instanceUUID
        self.kind = kind
        self.newFlavor = newFlavor
        self.requestedHost = requestedHost
        self.allowSameHost = allowSameHost
        self.requestID = requestID
        self.userID = userID
    }
}
