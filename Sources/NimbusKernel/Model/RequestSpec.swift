import Foundation

/// What the scheduler is asked to place (Nova's RequestSpec, the parts Nimbus uses).
public struct RequestSpec: Codable, Sendable, Hashable {
    public var flavor: Flavor
    public var imageRef: String
    public var imageProperties: [String: String]
    public var projectID: String
    public var userID: String
    public var numInstances: Int
    public var availabilityZone: String?
    /// Scheduler hints; values are lists as Nova stores them (`same_host`, `different_host`, `group`, `query`…).
    public var schedulerHints: [String: [String]]
    /// Hosts already tried (reschedules) or to ignore.
    public var ignoreHosts: [String]
    /// A forced destination (`host` / `hypervisor_hostname` in create, admin only).
    public var requestedHost: String?
    public var isRebuild: Bool
    /// The server group named by the `group` hint, resolved by the scheduler (Nova's `instance_group`).
    public var instanceGroup: InstanceGroupInfo?
    /// Hosts narrowed to by `force_hosts` / `force_nodes` (admin `az:host:node`); filters are skipped for them.
    public var forceHosts: [String]?
    /// The instance's current host when the request moves or rebuilds an existing server.
    public var currentHost: String?
    /// PCI devices the flavor asks for (`pci_passthrough:alias` resolved against `[pci] alias`).
    public var pciRequests: [PCIRequest]?

    public init(
        flavor: Flavor, imageRef: String = "", imageProperties: [String: String] = [:], projectID: String = "",
        userID: String = "", numInstances: Int = 1, availabilityZone: String? = nil,
        schedulerHints: [String: [String]] = [:], ignoreHosts: [String] = [], requestedHost: String? = nil,
        isRebuild: Bool = false
    ) {
        self.flavor = flavor
        self.imageRef = imageRef
        self.imageProperties = imageProperties
        self.projectID = projectID
        self.userID = userID
        self.numInstances = numInstances
        self.availabilityZone = availabilityZone
        self.schedulerHints = schedulerHints
        self.ignoreHosts = ignoreHosts
        self.requestedHost = requestedHost
        self.isRebuild = isRebuild
    }
}

/// One scheduling choice: a host/node plus the allocation that was (or would be) claimed there.
public struct Selection: Codable, Sendable, Hashable {
    public var host: String
    public var nodename: String
    public var nodeUUID: UUID
    public var resources: Resources

    public init(host: String, nodename: String, nodeUUID: UUID, resources: Resources) {
        self.host = host
        self.nodename = nodename
        self.nodeUUID = nodeUUID
        self.resources = resources
    }
}
