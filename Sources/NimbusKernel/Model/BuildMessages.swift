import Foundation

/// What the conductor casts to a compute's `build_and_run_instance` (Nova passes host_list and
/// filter_properties with `retry`).
public struct BuildInstanceRequest: Codable, Sendable {
    public var instance: InstanceRecord
    public var spec: RequestSpec
    public var selection: Selection
    /// Remaining alternates, tried in order on reschedule.
    public var alternates: [Selection]
    /// `retry.num_attempts`: 1 for the first try.
    public var attempt: Int
    /// `nil` when rescheduling is off (max_attempts = 1): a failure goes straight to ERROR.
    public var retryEnabled: Bool

    public init(instance: InstanceRecord, spec: RequestSpec, selection: Selection, alternates: [Selection],
                attempt: Int, retryEnabled: Bool) {
        self.instance = instance
        self.spec = spec
        self.selection = selection
        self.alternates = alternates
        self.attempt = attempt
        self.retryEnabled = retryEnabled
    }
}

/// A compute's request to try the next alternate (conductor `build_instances`, reschedule path).
public struct RescheduleRequest: Codable, Sendable {
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

/// The RPC topics and API versions of Nimbus services.
public enum Topics {
    public static let scheduler = "scheduler"
    public static let conductor = "conductor"
    public static let compute = "compute"
    /// Conductor namespaces: Nova's `compute_task` (orchestration) and the default one (DB proxy).
    public static let computeTask = "compute_task"
    public static let computeVersion = "6.5"
    public static let computeTaskVersion = "1.26"
    public static let conductorVersion = "3.0"
    public static let schedulerVersion = "4.5"
}
