import Foundation

/// An instance row as every service sees it (the cell DB's `instances` table).
public struct InstanceRecord: Codable, Sendable, Hashable {
    public var uuid: UUID
    public var name: String
    public var projectID: String
    public var userID: String
    public var flavor: Flavor
    public var imageRef: String
    public var vmState: VMState
    public var taskState: TaskState?
    public var powerState: PowerState
    public var host: String?
    public var node: String?
    public var availabilityZone: String?
    public var reservationID: String
    public var launchIndex: Int
    public var keyName: String?
    public var metadata: [String: String]
    public var userData: String?
    public var createdAt: Date
    public var updatedAt: Date?
    public var launchedAt: Date?
    public var terminatedAt: Date?
    public var deletedAt: Date?

    public init(
        uuid: UUID = UUID(), name: String, projectID: String, userID: String, flavor: Flavor, imageRef: String,
        vmState: VMState = .building, taskState: TaskState? = .scheduling, powerState: PowerState = .noState,
        host: String? = nil, node: String? = nil, availabilityZone: String? = nil, reservationID: String = "",
        launchIndex: Int = 0, keyName: String? = nil, metadata: [String: String] = [:], userData: String? = nil,
        createdAt: Date = Date(), updatedAt: Date? = nil, launchedAt: Date? = nil, terminatedAt: Date? = nil,
        deletedAt: Date? = nil
    ) {
        self.uuid = uuid
        self.name = name
        self.projectID = projectID
        self.userID = userID
        self.flavor = flavor
        self.imageRef = imageRef
        self.vmState = vmState
        self.taskState = taskState
        self.powerState = powerState
        self.host = host
        self.node = node
        self.availabilityZone = availabilityZone
        self.reservationID = reservationID
        self.launchIndex = launchIndex
        self.keyName = keyName
        self.metadata = metadata
        self.userData = userData
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.launchedAt = launchedAt
        self.terminatedAt = terminatedAt
        self.deletedAt = deletedAt
    }

    public var status: String { ServerStatus.derive(vmState: vmState, taskState: taskState) }
}

/// A partial update of an instance, sent by computes through the conductor.
/// `expectedTaskState` guards the write the way Nova's `expected_task_state` does.
public struct InstanceUpdate: Codable, Sendable {
    public var vmState: VMState?
    public var taskState: TaskState??
    public var powerState: PowerState?
    public var host: String??
    public var node: String??
    public var launchedAt: Date?
    public var terminatedAt: Date?
    public var expectedTaskStates: [TaskState?]?

    public init(
        vmState: VMState? = nil, taskState: TaskState?? = nil, powerState: PowerState? = nil, host: String?? = nil,
        node: String?? = nil, launchedAt: Date? = nil, terminatedAt: Date? = nil,
        expectedTaskStates: [TaskState?]? = nil
    ) {
        self.vmState = vmState
        self.taskState = taskState
        self.powerState = powerState
        self.host = host
        self.node = node
        self.launchedAt = launchedAt
        self.terminatedAt = terminatedAt
        self.expectedTaskStates = expectedTaskStates
    }

    // Double optionals do not survive JSON (`.some(nil)` decodes as "unchanged"), so fields being set to
    // null travel in an explicit `cleared` list.
    enum CodingKeys: String, CodingKey {
        case vmState, taskState, powerState, host, node, launchedAt, terminatedAt, expectedTaskStates, cleared
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let cleared = Set(try c.decodeIfPresent([String].self, forKey: .cleared) ?? [])
        vmState = try c.decodeIfPresent(VMState.self, forKey: .vmState)
        taskState = cleared.contains("taskState") ? .some(nil) : try c.decodeIfPresent(TaskState.self, forKey: .taskState).map { .some($0) }
        powerState = try c.decodeIfPresent(PowerState.self, forKey: .powerState)
        host = cleared.contains("host") ? .some(nil) : try c.decodeIfPresent(String.self, forKey: .host).map { .some($0) }
        node = cleared.contains("node") ? .some(nil) : try c.decodeIfPresent(String.self, forKey: .node).map { .some($0) }
        launchedAt = try c.decodeIfPresent(Date.self, forKey: .launchedAt)
        terminatedAt = try c.decodeIfPresent(Date.self, forKey: .terminatedAt)
        expectedTaskStates = try c.decodeIfPresent([TaskState?].self, forKey: .expectedTaskStates)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        var cleared: [String] = []
        try c.encodeIfPresent(vmState, forKey: .vmState)
        switch taskState {
        case .some(.some(let t)): try c.encode(t, forKey: .taskState)
        case .some(.none): cleared.append("taskState")
        case .none: break
        }
        try c.encodeIfPresent(powerState, forKey: .powerState)
        switch host {
        case .some(.some(let h)): try c.encode(h, forKey: .host)
        case .some(.none): cleared.append("host")
        case .none: break
        }
        switch node {
        case .some(.some(let n)): try c.encode(n, forKey: .node)
        case .some(.none): cleared.append("node")
        case .none: break
        }
        try c.encodeIfPresent(launchedAt, forKey: .launchedAt)
        try c.encodeIfPresent(terminatedAt, forKey: .terminatedAt)
        try c.encodeIfPresent(expectedTaskStates, forKey: .expectedTaskStates)
        if !cleared.isEmpty { try c.encode(cleared, forKey: .cleared) }
    }

    public func apply(to record: inout InstanceRecord) {
        if let vmState { record.vmState = vmState }
        if let taskState { record.taskState = taskState }
        if let powerState { record.powerState = powerState }
        if let host { record.host = host }
        if let node { record.node = node }
        if let launchedAt { record.launchedAt = launchedAt }
        if let terminatedAt { record.terminatedAt = terminatedAt }
    }
}

/// A fault recorded against an instance (Nova's `instance_faults`).
public struct InstanceFault: Codable, Sendable, Hashable {
    public var instanceUUID: UUID
    public var code: Int
    public var message: String
    public var details: String
    public var host: String?
    public var createdAt: Date

    public init(instanceUUID: UUID, code: Int, message: String, details: String = "", host: String? = nil,
                createdAt: Date = Date()) {
        self.instanceUUID = instanceUUID
        self.code = code
        self.message = message
        self.details = details
        self.host = host
        self.createdAt = createdAt
    }
}
