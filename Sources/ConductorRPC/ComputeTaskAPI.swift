import Foundation
import NimbusKernel
import NimbusRPC

/// The conductor's orchestration API (Nova's `ComputeTaskAPI`, 1.26, namespace `compute_task` on topic
/// `conductor`): the API asks it to build, a compute asks it to reschedule.
public enum ComputeTaskAPI: RPCAPIContract {
    public static let name = "compute_task"
    public static let topic = "conductor"
    public static let namespace: String? = "compute_task"
    public static let version = RPCVersion(1, 28)

    /// Added in Nova's 1.16 (1.17 added tags, which Nimbus keeps in the store instead).
    public static let scheduleAndBuildInstances = RPCMethod<ComputeTaskAPI, ScheduleAndBuildArgs, Empty>(
        .cast, "schedule_and_build_instances", since: RPCVersion(1, 16))
    /// The reschedule path; 1.18 added the request spec and 1.19 the alternate hosts this form carries.
    public static let buildInstances = RPCMethod<ComputeTaskAPI, RescheduleRequest, Empty>(
        .cast, "build_instances", since: RPCVersion(1, 19))

    public static let methods: [RPCMethodInfo] = [scheduleAndBuildInstances.info, buildInstances.info,
                                                   migrateServer.info, unshelveInstance.info,
                                                   rebuildInstance.info, liveMigrateInstance.info,
                                                   migrateServerLive.info]
}

/// The typed client of the orchestration API.
public typealias ComputeTaskRPCClient = RPCAPIClient<ComputeTaskAPI>

/// `schedule_and_build_instances` arguments.
public struct ScheduleAndBuildArgs: Codable, Sendable, Hashable {
    public var spec: RequestSpec
    public var instanceUUIDs: [UUID]

    public init(spec: RequestSpec, instanceUUIDs: [UUID]) {
        self.spec = spec
        self.instanceUUIDs = instanceUUIDs
    }
}

/// A compute's request to try the next alternate (conductor `build_instances`, reschedule path).
public struct RescheduleRequest: Codable, Sendable, Hashable {
    public var instanceUUID: UUID
    public var spec: RequestSpec
    public var alternates: [Selection]
    public var attempt: Int
    public var failedHost: String
    public var error: String

    public init(instanceUUID: UUID, spec: RequestSpec, alternates: [Selection], attempt: Int, failedHost: String,
                error: String) {
        self.instanceUUID = instanceUUID
        self.spec = spec
        self.alternates = alternates
        self.attempt = attempt
        self.failedHost = failedHost
        self.error = error
    }
}
