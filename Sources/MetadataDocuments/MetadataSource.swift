import Foundation

/// Everything the metadata documents are built from (Nova's `InstanceMetadata` inputs), as plain values so the
/// metadata service (from the store) and the compute's config drive (over RPC) feed the same builders.
public struct MetadataSource: Sendable, Codable, Hashable {
    public struct Key: Sendable, Codable, Hashable {
        public var name: String
        /// "ssh" or "x509".
        public var type: String
        public var data: String

        public init(name: String, type: String, data: String) {
            self.name = name
            self.type = type
            self.data = data
        }
    }

    /// One subnet of a VIF with the VIF's addresses on it.
    public struct Subnet: Sendable, Codable, Hashable {
        public var ipVersion: Int
        public var cidr: String
        public var gateway: String?
        /// Served by DHCP (Nova's `dhcp_server` meta): the guest configures itself, no static fields.
        public var dhcp: Bool
        public var dnsNameservers: [String]
        public var ips: [String]

        public init(ipVersion: Int, cidr: String, gateway: String?, dhcp: Bool, dnsNameservers: [String], ips: [String]) {
            self.ipVersion = ipVersion
            self.cidr = cidr
            self.gateway = gateway
            self.dhcp = dhcp
            self.dnsNameservers = dnsNameservers
            self.ips = ips
        }
    }

    /// One network interface (a port).
    public struct VIF: Sendable, Codable, Hashable {
        public var portID: String
        public var macAddress: String
        public var networkID: String
        public var mtu: Int?
        /// The port's `binding:vif_type` (a link type when Nova knows it, else "phy").
        public var vifType: String
        public var subnets: [Subnet]

        public init(portID: String, macAddress: String, networkID: String, mtu: Int?, vifType: String, subnets: [Subnet]) {
            self.portID = portID
            self.macAddress = macAddress
            self.networkID = networkID
            self.mtu = mtu
            self.vifType = vifType
            self.subnets = subnets
        }
    }

    public var uuid: UUID
    public var name: String
    /// The full hostname (`hostname` + "." + `[api] dhcp_domain` when that is set).
    public var hostname: String
    public var projectID: String
    public var availabilityZone: String?
    public var launchIndex: Int
    public var reservationID: String
    public var meta: [String: String]
    /// Decoded user data; nil when the instance has none.
    public var userData: Data?
    public var keys: [Key]
    public var flavorName: String
    public var imageRef: String
    /// Flavor ephemeral and swap sizes decide EC2's block-device-mapping entries.
    public var ephemeralGB: Int
    public var swapMB: Int
    public var securityGroups: [String]
    public var vifs: [VIF]
    /// Only ever written to the config drive (Nova's `extra_md`), never served over HTTP.
    public var adminPass: String?

    public init(uuid: UUID, name: String, hostname: String, projectID: String, availabilityZone: String?,
                launchIndex: Int = 0, reservationID: String = "", meta: [String: String] = [:], userData: Data? = nil,
                keys: [Key] = [], flavorName: String = "", imageRef: String = "", ephemeralGB: Int = 0, swapMB: Int = 0,
                securityGroups: [String] = ["default"], vifs: [VIF] = [], adminPass: String? = nil) {
        self.uuid = uuid
        self.name = name
        self.hostname = hostname
        self.projectID = projectID
        self.availabilityZone = availabilityZone
        self.launchIndex = launchIndex
        self.reservationID = reservationID
        self.meta = meta
        self.userData = userData
        self.keys = keys
        self.flavorName = flavorName
        self.imageRef = imageRef
        self.ephemeralGB = ephemeralGB
        self.swapMB = swapMB
        self.securityGroups = securityGroups
        self.vifs = vifs
        self.adminPass = adminPass
    }

    /// The instance's first fixed IPv4 address (EC2's `local-ipv4`).
    public var firstIPv4: String? {
        vifs.lazy.flatMap(\.subnets).first { $0.ipVersion == 4 && !$0.ips.isEmpty }?.ips.first
    }

    /// Nova's `ec2utils.id_to_ec2_id` needs an integer id; ours are the uuid's first 32 bits.
    static func ec2ID(_ prefix: String, _ uuid: String) -> String {
        let hex = uuid.lowercased().filter(\.isHexDigit).prefix(8)
        return "\(prefix)-" + String(repeating: "0", count: 8 - hex.count) + hex
    }
}
