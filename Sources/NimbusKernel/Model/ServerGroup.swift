import Foundation

/// Server group policies (os-server-groups, microversion 2.64 names).
public enum ServerGroupPolicy: String, Codable, Sendable, Hashable, CaseIterable {
    case affinity
    case antiAffinity = "anti-affinity"
    case softAffinity = "soft-affinity"
    case softAntiAffinity = "soft-anti-affinity"
}

/// A server group row (Nova's InstanceGroup) with its members.
public struct ServerGroupRecord: Codable, Sendable, Hashable {
    public var id: Int
    public var uuid: UUID
    public var name: String
    public var projectID: String
    public var userID: String
    public var policy: ServerGroupPolicy
    /// Policy rules; Nova knows only `max_server_per_host` (anti-affinity). Stored as strings, as Nova does.
    public var rules: [String: String]
    public var members: [UUID]
    public var createdAt: Date

    public init(id: Int, uuid: UUID, name: String, projectID: String, userID: String, policy: ServerGroupPolicy,
                rules: [String: String] = [:], members: [UUID] = [], createdAt: Date = Date()) {
        self.id = id
        self.uuid = uuid
        self.name = name
        self.projectID = projectID
        self.userID = userID
        self.policy = policy
        self.rules = rules
        self.members = members
        self.createdAt = createdAt
    }

    public var maxServerPerHost: Int? { rules["max_server_per_host"].flatMap { Int($0) } }
}

/// The server group as a request spec carries it to the filters and weighers (Nova's
/// `spec_obj.instance_group`): policy, rules, and where its members already run.
public struct InstanceGroupInfo: Codable, Sendable, Hashable {
    public var uuid: UUID
    public var policy: ServerGroupPolicy
    public var rules: [String: String]
    /// Member instance UUID → host, for members placed so far.
    public private(set) var memberHosts: [UUID: String]
    /// Members per host; its keys are Nova's `instance_group.hosts`.
    public private(set) var hostCounts: [String: Int]

    public init(uuid: UUID, policy: ServerGroupPolicy, rules: [String: String] = [:],
                memberHosts: [UUID: String] = [:]) {
        self.uuid = uuid
        self.policy = policy
        self.rules = rules
        self.memberHosts = memberHosts
        self.hostCounts = memberHosts.values.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    public var hosts: Set<String> { Set(hostCounts.keys) }

    public var maxServerPerHost: Int { rules["max_server_per_host"].flatMap { Int($0) } ?? 1 }

    /// Group members on `host` (the anti-affinity filter and the soft weighers).
    public func members(on host: String) -> Int { hostCounts[host] ?? 0 }

    /// Records a placement, so later instances of the same multi-create see it (Nova adds to `hosts`).
    public mutating func add(_ member: UUID, on host: String) {
        if let old = memberHosts[member] { hostCounts[old, default: 1] -= 1 }
        memberHosts[member] = host
        hostCounts[host, default: 0] += 1
    }
}
