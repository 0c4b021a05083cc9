import Foundation
import GRDB

/// One address of a port.
public struct FixedIP: Sendable, Hashable, Codable {
    public var subnetID: String
    public var ipAddress: String

    public init(subnetID: String, ipAddress: String) {
        self.subnetID = subnetID
        self.ipAddress = ipAddress
    }
}

/// What a port create asks of one address: a subnet, an address, or both.
public struct FixedIPRequest: Sendable, Hashable {
    public var subnetID: String?
    public var ipAddress: String?

    public init(subnetID: String? = nil, ipAddress: String? = nil) {
        self.subnetID = subnetID
        self.ipAddress = ipAddress
    }
}

/// A port (Neutron's `ports` row with its binding and fixed IPs).
public struct PortRecord: Sendable, Hashable {
    public var id: String
    public var networkID: String
    public var name: String
    public var projectID: String
    public var description: String
    public var macAddress: String
    public var adminStateUp: Bool
    public var status: String
    public var deviceID: String
    public var deviceOwner: String
    public var bindingHostID: String
    public var bindingVifType: String
    public var bindingVifDetails: [String: String]
    public var portSecurityEnabled: Bool
    public var securityGroups: [String]
    public var fixedIPs: [FixedIP]
    public var revision: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String = UUID().uuidString.lowercased(), networkID: String, name: String = "", projectID: String,
                description: String = "", macAddress: String = "", adminStateUp: Bool = true, status: String = "DOWN",
                deviceID: String = "", deviceOwner: String = "", bindingHostID: String = "",
                bindingVifType: String = "unbound", bindingVifDetails: [String: String] = [:],
                portSecurityEnabled: Bool = true, securityGroups: [String] = [], fixedIPs: [FixedIP] = [],
                revision: Int = 0, createdAt: Date = Date(), updatedAt: Date? = nil) {
        self.id = id
        self.networkID = networkID
        self.name = name
        self.projectID = projectID
        self.description = description
        self.macAddress = macAddress
        self.adminStateUp = adminStateUp
        self.status = status
        self.deviceID = deviceID
        self.deviceOwner = deviceOwner
        self.bindingHostID = bindingHostID
        self.bindingVifType = bindingVifType
        self.bindingVifDetails = bindingVifDetails
        self.portSecurityEnabled = portSecurityEnabled
        self.securityGroups = securityGroups
        self.fixedIPs = fixedIPs
        self.revision = revision
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }

    init(row: Row, fixedIPs: [FixedIP]) throws {
        self.init(id: row["id"], networkID: row["network_id"], name: row["name"], projectID: row["project_id"],
                  description: row["description"], macAddress: row["mac_address"], adminStateUp: row["admin_state_up"],
                  status: row["status"], deviceID: row["device_id"], deviceOwner: row["device_owner"],
                  bindingHostID: row["binding_host_id"], bindingVifType: row["binding_vif_type"],
                  bindingVifDetails: try JSONColumn.decode([String: String].self, row["binding_vif_details"]),
                  portSecurityEnabled: row["port_security_enabled"],
                  securityGroups: try JSONColumn.decode([String].self, row["security_groups"]), fixedIPs: fixedIPs,
                  revision: row["revision_number"], createdAt: Date(db: row["created_at"]),
                  updatedAt: Date(db: row["updated_at"]))
    }
}

/// Why a port's addresses could not be given; the API maps each to Neutron's exception of the same name.
public enum IPAllocationError: Error, Sendable, Hashable {
    /// IpAddressGenerationFailure: no free address in any pool asked for.
    case exhausted(networkID: String)
    /// IpAddressAlreadyAllocated.
    case inUse(ip: String, subnetID: String)
    /// InvalidIpForNetwork / InvalidIpForSubnet.
    case invalid(ip: String)
    /// The subnet named is not on the port's network.
    case subnetNotOnNetwork(subnetID: String)
    /// MacAddressInUse.
    case macInUse(mac: String, networkID: String)
}

extension NimbusStore {
    /// Creates a port and its addresses in one write transaction: addresses are picked while holding the
    /// writer, and (subnet, address) is the allocation table's key, so two ports never share an address.
    /// `requests` nil asks for one address from the first IPv4 subnet with room and one from the first IPv6
    /// subnet, as Neutron does for a port created without `fixed_ips`.
    public func createPort(_ p: PortRecord, requests: [FixedIPRequest]?) async throws -> PortRecord {
        try await db.write { db in
            var port = p
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM networks WHERE id = ?", arguments: [p.networkID]) ?? false else {
                throw StoreError.notFound(kind: "network", id: p.networkID)
            }
            if port.macAddress.isEmpty {
                port.macAddress = try Self.freeMAC(db, network: p.networkID)
            } else if try Bool.fetchOne(db, sql: "SELECT 1 FROM ports WHERE network_id = ? AND mac_address = ?",
                                        arguments: [p.networkID, port.macAddress]) ?? false {
                throw IPAllocationError.macInUse(mac: port.macAddress, networkID: p.networkID)
            }
            let subnets = try Row.fetchAll(db, sql: "SELECT * FROM subnets WHERE network_id = ? ORDER BY created_at, id",
                                           arguments: [p.networkID]).map(SubnetRecord.init(row:))
            port.fixedIPs = try Self.allocate(db, requests, subnets, network: p.networkID)
            try Self.insertPort(db, port)
            for (i, ip) in port.fixedIPs.enumerated() {
                try db.execute(sql: """
                    INSERT INTO ip_allocations (subnet_id, ip_address, port_id, network_id, position) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [ip.subnetID, ip.ipAddress, port.id, port.networkID, i])
            }
            return port
        }
    }

    static func allocate(_ db: Database, _ requests: [FixedIPRequest]?, _ subnets: [SubnetRecord],
                         network: String) throws -> [FixedIP] {
        var out: [FixedIP] = []
        func taken(_ subnet: String) throws -> Set<String> {
            Set(try String.fetchAll(db, sql: "SELECT ip_address FROM ip_allocations WHERE subnet_id = ?", arguments: [subnet])
                + out.filter { $0.subnetID == subnet }.map(\.ipAddress))
        }
        guard let requests else {
            for version in [4, 6] {
                let candidates = subnets.filter { $0.ipVersion == version }
                guard !candidates.isEmpty else { continue }
                guard let pick = try candidates.lazy.compactMap({ s in try Self.firstFree(s, taken(s.id)).map { (s, $0) } }).first
                else { throw IPAllocationError.exhausted(networkID: network) }
                out.append(FixedIP(subnetID: pick.0.id, ipAddress: pick.1))
            }
            return out
        }
        for r in requests {
            if let text = r.ipAddress {
                guard let ip = IPAddress(text),
                      let s = subnets.first(where: { s in
                          (r.subnetID == nil || s.id == r.subnetID) && IPNetwork(s.cidr).map { Self.usable(ip, in: $0) } == true
                      }) else { throw IPAllocationError.invalid(ip: text) }
                let canonical = ip.description
                if try taken(s.id).contains(canonical) { throw IPAllocationError.inUse(ip: canonical, subnetID: s.id) }
                out.append(FixedIP(subnetID: s.id, ipAddress: canonical))
            } else if let sid = r.subnetID {
                guard let s = subnets.first(where: { $0.id == sid }) else {
                    throw IPAllocationError.subnetNotOnNetwork(subnetID: sid)
                }
                guard let ip = try Self.firstFree(s, taken(s.id)) else { throw IPAllocationError.exhausted(networkID: network) }
                out.append(FixedIP(subnetID: s.id, ipAddress: ip))
            }
        }
        return out
    }

    /// An address a port may hold: in the CIDR, and for IPv4 neither the network nor the broadcast address.
    static func usable(_ ip: IPAddress, in net: IPNetwork) -> Bool {
        guard net.contains(ip) else { return false }
        return ip.version == 6 || net.prefix >= 31 || (ip != net.first && ip != net.last)
    }

    /// The lowest free address of the subnet's pools. Each step either returns or passes a taken address, so a
    /// pool is walked at most `taken.count + 1` steps whatever its size (an IPv6 /64 included).
    static func firstFree(_ s: SubnetRecord, _ taken: Set<String>) -> String? {
        for pool in s.allocationPools {
            guard let start = IPAddress(pool.start), let end = IPAddress(pool.end), start <= end else { continue }
            var a = start
            while true {
                let text = a.description
                if !taken.contains(text) && text != s.gatewayIP { return text }
                if a.value >= end.value { break }
                a = a.adding(1)
            }
        }
        return nil
    }

    /// A random `fa:16:3e:…` MAC (Neutron's default base_mac) not used on the network.
    static func freeMAC(_ db: Database, network: String) throws -> String {
        for _ in 0..<32 {
            let mac = "fa:16:3e:" + (0..<3).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined(separator: ":")
            if !(try Bool.fetchOne(db, sql: "SELECT 1 FROM ports WHERE network_id = ? AND mac_address = ?",
                                   arguments: [network, mac]) ?? false) { return mac }
        }
        throw StoreError.conflict("Unable to generate a unique mac on network \(network).")
    }

    static func insertPort(_ db: Database, _ p: PortRecord) throws {
        let values: [(any DatabaseValueConvertible)?] = [
            p.id, p.networkID, p.name, p.projectID, p.description, p.macAddress, p.adminStateUp, p.status, p.deviceID,
            p.deviceOwner, p.bindingHostID, p.bindingVifType, try JSONColumn.encode(p.bindingVifDetails),
            p.portSecurityEnabled, try JSONColumn.encode(p.securityGroups), p.createdAt.dbValue, p.updatedAt.dbValue,
        ]
        try db.execute(sql: """
            INSERT INTO ports (id, network_id, name, project_id, description, mac_address, admin_state_up, status,
              device_id, device_owner, binding_host_id, binding_vif_type, binding_vif_details, port_security_enabled,
              security_groups, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: StatementArguments(values.map { $0?.databaseValue ?? .null }))
    }

    /// Saves a port's mutable fields (not its network, MAC or addresses), bumping its revision.
    public func updatePort(_ p: PortRecord) async throws {
        try await db.write { db in
            let values: [(any DatabaseValueConvertible)?] = [
                p.name, p.description, p.adminStateUp, p.status, p.deviceID, p.deviceOwner, p.bindingHostID,
                p.bindingVifType, try JSONColumn.encode(p.bindingVifDetails), p.portSecurityEnabled,
                try JSONColumn.encode(p.securityGroups), p.updatedAt.dbValue, p.id,
            ]
            try db.execute(sql: """
                UPDATE ports SET name = ?, description = ?, admin_state_up = ?, status = ?, device_id = ?,
                  device_owner = ?, binding_host_id = ?, binding_vif_type = ?, binding_vif_details = ?,
                  port_security_enabled = ?, security_groups = ?, updated_at = ?,
                  revision_number = revision_number + 1 WHERE id = ?
                """, arguments: StatementArguments(values.map { $0?.databaseValue ?? .null }))
            if db.changesCount == 0 { throw StoreError.notFound(kind: "port", id: p.id) }
        }
    }

    /// Deletes a port; its addresses are free again in the same transaction (the allocation rows cascade).
    public func deletePort(id: String) async throws {
        try await db.write { db in
            try db.execute(sql: "DELETE FROM ports WHERE id = ?", arguments: [id])
            if db.changesCount == 0 { throw StoreError.notFound(kind: "port", id: id) }
        }
    }

    public func port(id: String) async throws -> PortRecord? {
        try await ports(where: "p.id = ?", [id]).first
    }

    /// Ports a project may see (its own and those on its networks); every port when `project` is nil.
    public func ports(visibleTo project: String?) async throws -> [PortRecord] {
        guard let project else { return try await ports(where: "1", []) }
        return try await ports(where: "p.project_id = ? OR n.project_id = ?", [project, project])
    }

    func ports(where clause: String, _ args: [String]) async throws -> [PortRecord] {
        try await db.read { db in
            let from = "FROM ports p JOIN networks n ON n.id = p.network_id WHERE \(clause)"
            var ips: [String: [FixedIP]] = [:]
            for r in try Row.fetchAll(db, sql: """
                SELECT a.port_id, a.subnet_id, a.ip_address FROM ip_allocations a
                WHERE a.port_id IN (SELECT p.id \(from)) ORDER BY a.position
                """, arguments: StatementArguments(args)) {
                ips[r["port_id"], default: []].append(FixedIP(subnetID: r["subnet_id"], ipAddress: r["ip_address"]))
            }
            return try Row.fetchAll(db, sql: "SELECT p.* \(from) ORDER BY p.id", arguments: StatementArguments(args))
                .map { try PortRecord(row: $0, fixedIPs: ips[$0["id"] as String] ?? []) }
        }
    }
}
