import Foundation
import GRDB

/// A network of the built-in Networking v2 service (Neutron's `networks` row).
public struct NetworkRecord: Sendable, Hashable {
    public var id: String
    public var name: String
    public var projectID: String
    public var description: String
    public var adminStateUp: Bool
    public var shared: Bool
    public var routerExternal: Bool
    public var mtu: Int
    public var revision: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String = UUID().uuidString.lowercased(), name: String = "", projectID: String, description: String = "",
                adminStateUp: Bool = true, shared: Bool = false, routerExternal: Bool = false, mtu: Int = 1500,
                revision: Int = 0, createdAt: Date = Date(), updatedAt: Date? = nil) {
        self.id = id
        self.name = name
        self.projectID = projectID
        self.description = description
        self.adminStateUp = adminStateUp
        self.shared = shared
        self.routerExternal = routerExternal
        self.mtu = mtu
        self.revision = revision
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }

    init(row: Row) {
        self.init(id: row["id"], name: row["name"], projectID: row["project_id"], description: row["description"],
                  adminStateUp: row["admin_state_up"], shared: row["shared"], routerExternal: row["router_external"],
                  mtu: row["mtu"], revision: row["revision_number"], createdAt: Date(db: row["created_at"]),
                  updatedAt: Date(db: row["updated_at"]))
    }
}

/// A subnet: a CIDR on a network with its gateway, allocation pools, DHCP flag and DNS servers.
public struct SubnetRecord: Sendable, Hashable {
    public var id: String
    public var networkID: String
    public var name: String
    public var projectID: String
    public var description: String
    public var ipVersion: Int
    public var cidr: String
    public var gatewayIP: String?
    public var allocationPools: [IPRange]
    public var enableDHCP: Bool
    public var dnsNameservers: [String]
    public var revision: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String = UUID().uuidString.lowercased(), networkID: String, name: String = "", projectID: String,
                description: String = "", ipVersion: Int, cidr: String, gatewayIP: String?, allocationPools: [IPRange],
                enableDHCP: Bool = true, dnsNameservers: [String] = [], revision: Int = 0, createdAt: Date = Date(),
                updatedAt: Date? = nil) {
        self.id = id
        self.networkID = networkID
        self.name = name
        self.projectID = projectID
        self.description = description
        self.ipVersion = ipVersion
        self.cidr = cidr
        self.gatewayIP = gatewayIP
        self.allocationPools = allocationPools
        self.enableDHCP = enableDHCP
        self.dnsNameservers = dnsNameservers
        self.revision = revision
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }

    init(row: Row) throws {
        self.init(id: row["id"], networkID: row["network_id"], name: row["name"], projectID: row["project_id"],
                  description: row["description"], ipVersion: row["ip_version"], cidr: row["cidr"],
                  gatewayIP: row["gateway_ip"],
                  allocationPools: try JSONColumn.decode([IPRange].self, row["allocation_pools"]),
                  enableDHCP: row["enable_dhcp"], dnsNameservers: try JSONColumn.decode([String].self, row["dns_nameservers"]),
                  revision: row["revision_number"], createdAt: Date(db: row["created_at"]),
                  updatedAt: Date(db: row["updated_at"]))
    }
}

extension NimbusStore {
    /// Networks a project may see (its own, shared and external ones); every network when `project` is nil.
    public func networks(visibleTo project: String?) async throws -> [NetworkRecord] {
        try await db.read { db in
            let sql = project == nil
                ? "SELECT * FROM networks ORDER BY id"
                : "SELECT * FROM networks WHERE project_id = ? OR shared = 1 OR router_external = 1 ORDER BY id"
            return try Row.fetchAll(db, sql: sql, arguments: project.map { [$0] } ?? []).map(NetworkRecord.init(row:))
        }
    }

    public func network(id: String) async throws -> NetworkRecord? {
        try await db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM networks WHERE id = ?", arguments: [id]).map(NetworkRecord.init(row:))
        }
    }

    /// Inserts or (with `insert` false) replaces a network's fields, bumping its revision.
    public func saveNetwork(_ n: NetworkRecord, insert: Bool) async throws {
        try await db.write { db in
            let values: [(any DatabaseValueConvertible)?] = [
                n.name, n.projectID, n.description, n.adminStateUp, n.shared, n.routerExternal, n.mtu,
                n.createdAt.dbValue, n.updatedAt.dbValue, n.id,
            ]
            let sql = insert
                ? """
                  INSERT INTO networks (name, project_id, description, admin_state_up, shared, router_external, mtu,
                    created_at, updated_at, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                  """
                : """
                  UPDATE networks SET name = ?, project_id = ?, description = ?, admin_state_up = ?, shared = ?,
                    router_external = ?, mtu = ?, created_at = ?, updated_at = ?, revision_number = revision_number + 1
                  WHERE id = ?
                  """
            try db.execute(sql: sql, arguments: StatementArguments(values.map { $0?.databaseValue ?? .null }))
            if !insert && db.changesCount == 0 { throw StoreError.notFound(kind: "network", id: n.id) }
        }
    }

    /// Deletes a network and its subnets; refused (conflict) while any port other than a DHCP port remains.
    public func deleteNetwork(id: String) async throws {
        try await db.write { db in
            let inUse = try Bool.fetchOne(db, sql: """
                SELECT 1 FROM ports WHERE network_id = ? AND device_owner != 'network:dhcp' LIMIT 1
                """, arguments: [id]) ?? false
            if inUse {
                throw StoreError.conflict("Unable to complete operation on network \(id). There are one or more ports "
                                          + "still in use on the network.")
            }
            try db.execute(sql: "DELETE FROM ports WHERE network_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM subnets WHERE network_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM networks WHERE id = ?", arguments: [id])
            if db.changesCount == 0 { throw StoreError.notFound(kind: "network", id: id) }
        }
    }

    /// Subnets, in creation order within a network; nil `networkIDs` means all.
    public func subnets(networkIDs: [String]? = nil) async throws -> [SubnetRecord] {
        try await db.read { db in
            guard let ids = networkIDs else {
                return try Row.fetchAll(db, sql: "SELECT * FROM subnets ORDER BY id").map(SubnetRecord.init(row:))
            }
            guard !ids.isEmpty else { return [] }
            return try Row.fetchAll(db, sql: """
                SELECT * FROM subnets WHERE network_id IN (\(ids.map { _ in "?" }.joined(separator: ",")))
                ORDER BY created_at, id
                """, arguments: StatementArguments(ids)).map(SubnetRecord.init(row:))
        }
    }

    public func subnet(id: String) async throws -> SubnetRecord? {
        try await db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM subnets WHERE id = ?", arguments: [id]).map(SubnetRecord.init(row:))
        }
    }

    /// Adds a subnet unless its CIDR overlaps another subnet of the same network (Neutron refuses that).
    public func createSubnet(_ s: SubnetRecord) async throws {
        try await db.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM networks WHERE id = ?", arguments: [s.networkID]) ?? false else {
                throw StoreError.notFound(kind: "network", id: s.networkID)
            }
            let mine = IPNetwork(s.cidr)
            for other in try String.fetchAll(db, sql: "SELECT cidr FROM subnets WHERE network_id = ?", arguments: [s.networkID]) {
                if let o = IPNetwork(other), let mine, o.overlaps(mine) {
                    throw StoreError.conflict("Invalid input for operation: Requested subnet with cidr: \(s.cidr) for "
                                              + "network: \(s.networkID) overlaps with another subnet.")
                }
            }
            try Self.writeSubnet(db, s, insert: true)
        }
    }

    /// Saves a subnet's changed fields (name, description, gateway, pools, DHCP, DNS servers).
    public func updateSubnet(_ s: SubnetRecord) async throws {
        try await db.write { db in try Self.writeSubnet(db, s, insert: false) }
    }

    /// Deletes a subnet; refused while a port other than a DHCP port holds an address from it.
    public func deleteSubnet(id: String) async throws {
        try await db.write { db in
            let inUse = try Bool.fetchOne(db, sql: """
                SELECT 1 FROM ip_allocations a JOIN ports p ON p.id = a.port_id
                WHERE a.subnet_id = ? AND p.device_owner != 'network:dhcp' LIMIT 1
                """, arguments: [id]) ?? false
            if inUse {
                throw StoreError.conflict("Unable to complete operation on subnet \(id): One or more ports have an IP "
                                          + "allocation from this subnet.")
            }
            try db.execute(sql: "DELETE FROM ip_allocations WHERE subnet_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM subnets WHERE id = ?", arguments: [id])
            if db.changesCount == 0 { throw StoreError.notFound(kind: "subnet", id: id) }
        }
    }

    static func writeSubnet(_ db: Database, _ s: SubnetRecord, insert: Bool) throws {
        let values: [(any DatabaseValueConvertible)?] = [
            s.networkID, s.name, s.projectID, s.description, s.ipVersion, s.cidr, s.gatewayIP,
            try JSONColumn.encode(s.allocationPools), s.enableDHCP, try JSONColumn.encode(s.dnsNameservers),
            s.createdAt.dbValue, s.updatedAt.dbValue, s.id,
        ]
        let sql = insert
            ? """
              INSERT INTO subnets (network_id, name, project_id, description, ip_version, cidr, gateway_ip,
                allocation_pools, enable_dhcp, dns_nameservers, created_at, updated_at, id)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
              """
            : """
              UPDATE subnets SET network_id = ?, name = ?, project_id = ?, description = ?, ip_version = ?, cidr = ?,
                gateway_ip = ?, allocation_pools = ?, enable_dhcp = ?, dns_nameservers = ?, created_at = ?,
                updated_at = ?, revision_number = revision_number + 1 WHERE id = ?
              """
        try db.execute(sql: sql, arguments: StatementArguments(values.map { $0?.databaseValue ?? .null }))
        if !insert && db.changesCount == 0 { throw StoreError.notFound(kind: "subnet", id: s.id) }
    }
}
