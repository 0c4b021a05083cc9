import Foundation
import NimbusKernel
import NimbusRPC

/// The scheduler's RPC API (Nova's `nova.scheduler.rpcapi.SchedulerAPI`, 4.5), served on topic `scheduler`.
public enum SchedulerAPI: RPCAPIContract {
    public static let name = "scheduler"
    public static let topic = "scheduler"
    public static let namespace: String? = nil
    public static let version = RPCVersion(4, 5)

    /// Per instance: `[chosen] + alternates` (4.5 added the alternates and Selection objects).
    public static let selectDestinations = RPCMethod<SchedulerAPI, SelectDestinationsArgs, [[Selection]]>(
        .call, "select_destinations", since: RPCVersion(4, 5))

    public static let methods: [RPCMethodInfo] = [selectDestinations.info]
}

public typealias SchedulerRPCClient = RPCAPIClient<SchedulerAPI>

/// Arguments of `select_destinations`.
public struct SelectDestinationsArgs: Codable, Sendable, Hashable {
    public var spec: RequestSpec
    public var instanceUUIDs: [UUID]

    public init(spec: RequestSpec, instanceUUIDs: [UUID]) {
        self.spec = spec
        self.instanceUUIDs = instanceUUIDs
    }
}
