import Foundation

/// A host aggregate (os-aggregates): a named set of hosts with metadata. The availability zone is the
/// metadata key `availability_zone`, as in Nova.
public struct AggregateRecord: Codable, Sendable, Hashable {
    public var id: Int
    public var uuid: UUID
    public var name: String
    public var hosts: [String]
    public var metadata: [String: String]
    public var createdAt: Date
    public var updatedAt: Date?

    public init(id: Int, uuid: UUID, name: String, hosts: [String] = [], metadata: [String: String] = [:],
                createdAt: Date = Date(), updatedAt: Date? = nil) {
        self.id = id
        self.uuid = uuid
        self.name = name
        self.hosts = hosts
        self.metadata = metadata
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var availabilityZone: String? { metadata["availability_zone"] }

    /// What the scheduler needs of it (HostState.aggregates).
    public var info: AggregateInfo { AggregateInfo(id: id, name: name, metadata: metadata) }
}
