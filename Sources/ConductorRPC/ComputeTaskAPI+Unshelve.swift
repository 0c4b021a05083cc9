import Foundation
import NimbusKernel
import NimbusRPC

extension ComputeTaskAPI {
    /// Nova's `unshelve_instance` (cast; its current form is 1.25): a shelved server is powered on where it is, an
    /// offloaded one scheduled anew (2.77 availability zone, 2.91 host). Nimbus serves it from 1.27.
    public static let unshelveInstance = RPCMethod<ComputeTaskAPI, UnshelveArgs, Empty>(
        .cast, "unshelve_instance", since: RPCVersion(1, 27))
}

public struct UnshelveArgs: Codable, Sendable, Hashable {
    public var instanceUUID: UUID
    /// 2.77+: the zone to land in; `.some(nil)` (2.91 `"availability_zone": null`) unpins the server.
    public var availabilityZone: String??
    /// 2.91+: the host to land on (admin).
    public var host: String?
    public var requestID: String

    public init(instanceUUID: UUID, availabilityZone: String??, host: String?, requestID: String) {
        self.instanceUUID = instanceUUID
        self.availabilityZone = availabilityZone
        self.host = host
        self.requestID = requestID
    }
}
