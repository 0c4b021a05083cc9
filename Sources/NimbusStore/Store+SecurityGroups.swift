import Foundation
import GRDB

/// A security group rule (Neutron's `securitygrouprules` row).
public struct SecurityGroupRuleRecord: Sendable, Hashable {
    public var id: String
    public var securityGroupID: String
    public var projectID: String
    public var direction: String
    public var ethertype: String
    public var proto: String?
    public var portRangeMin: Int?
    public var portRangeMax: Int?
    public var remoteIPPrefix: String?
    public var remoteGroupID: String?
    public var description: String
    public var createdAt: Date

    public init(id: String = UUID().uuidString.lowercased(), securityGroupID: String, projectID: String, direction: String,
                ethertype: String, proto: String? = nil, portRangeMin: Int? = nil, portRangeMax: Int? = nil,
                remoteIPPrefix: String? = nil, remoteGroupID: String? = nil, description: String = "",
                createdAt: Date = Date()) {
        self.id = id
        self.securityGroupID = securityGroupID
        self.projectID = projectID
        self.direction = direction
        self.ethertype = ethertype
        self.proto = proto
        self.portRangeMin = portRangeMin
        self.portRangeMax = portRangeMax
        self.remoteIPPrefix = remoteIPPrefix
        self.remoteGroupID = remoteGroupID
        self.description = description
        self.createdAt = createdAt
    }

    init(row: Row) {
        self.init(id: row["id"], securityGroupID: row["security_group_id"], projectID: row["project_id"],
                  direction: row["direction"], ethertype: row["ethertype"], proto: row["protocol"],
                  portRangeMin: row["port_range_min"], portRangeMax: row["port_range_max"],
                  remoteIPPrefix: row["remote_ip_prefix"], remoteGroupID: row["remote_group_id"],
                  description: row["description"], createdAt: Date(db: row["created_at"]))
    }

    /// Two rules are the same rule when everything but id, description and time match (SecurityGroupRuleExists).
    public func sameRule(as o: SecurityGroupRuleRecord) -> Bool {
        var other = o
        (other.id, other.description, other.createdAt, other.projectID) = (id, description, createdAt, projectID)
        return other == self
    }
}

/// A security group with its rules.
public struct SecurityGroupRecord: Sendable, Hashable {
    public var id: String
    public var name: String
    public var projectID: String
    public var description: String
    public var stateful: Bool
    public var rules: [SecurityGroupRuleRecord]
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String = UUID().uuidString.lowercased(), name: String, projectID: String, description: String = "",
                stateful: Bool = true, rules: [SecurityGroupRuleRecord] = [], createdAt: Date = Date(),
                updatedAt: Date? = nil) {
        self.id = id
        self.name = name
        self.projectID = projectID
        self.description = description
        self.stateful = stateful
        self.rules = rules
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }

    /// A new group with Neutron's rules for it: egress anywhere over IPv4 and IPv6, and for `default`
    /// also ingress from members of the group itself.
    public static func withDefaultRules(name: String, projectID: String, description: String) -> SecurityGroupRecord {
        var g = SecurityGroupRecord(name: name, projectID: projectID, description: description)
        for ethertype in ["IPv4", "IPv6"] {
            g.rules.append(SecurityGroupRuleRecord(securityGroupID: g.id, projectID: projectID, direction: "egress",
                                                   ethertype: ethertype))
            if name == "default" {
                g.rules.append(SecurityGroupRuleRecord(securityGroupID: g.id, projectID: projectID, direction: "ingress",
                                                       ethertype: ethertype, remoteGroupID: g.id))
            }
        }
        return g
    }
}

extension NimbusStore {
    /// The project's `default` group, created with Neutron's default rules the first time it is needed
    /// (a unique index keeps it to one when two requests race).
    public func ensureDefaultSecurityGroup(project: String) async throws -> SecurityGroupRecord {
        try await db.write { db in
            if let id = try String.fetchOne(db, sql: "SELECT id FROM security_groups WHERE project_id = ? AND name = 'default'",
                                            arguments: [project]), let g = try Self.securityGroup(db, id: id) {
                return g
            }
            let g = SecurityGroupRecord.withDefaultRules(name: "default", projectID: project,
                                                         description: "Default security group")
            try Self.insertGroup(db, g)
            return g
        }
    }

    public func createSecurityGroup(_ g: SecurityGroupRecord) async throws {
        try await db.write { db in try Self.insertGroup(db, g) }
    }

    static func insertGroup(_ db: Database, _ g: SecurityGroupRecord) throws {
        try db.execute(sql: """
            INSERT INTO security_groups (id, name, project_id, description, stateful, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [g.id, g.name, g.projectID, g.description, g.stateful, g.createdAt.dbValue, g.updatedAt.dbValue])
        for r in g.rules { try insertRule(db, r) }
    }

    static func insertRule(_ db: Database, _ r: SecurityGroupRuleRecord) throws {
        let values: [(any DatabaseValueConvertible)?] = [
            r.id, r.securityGroupID, r.projectID, r.direction, r.ethertype, r.proto, r.portRangeMin, r.portRangeMax,
            r.remoteIPPrefix, r.remoteGroupID, r.description, r.createdAt.dbValue, r.createdAt.dbValue,
        ]
        try db.execute(sql: """
            INSERT INTO security_group_rules (id, security_group_id, project_id, direction, ethertype, protocol,
              port_range_min, port_range_max, remote_ip_prefix, remote_group_id, description, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: StatementArguments(values.map { $0?.databaseValue ?? .null }))
    }

    static func securityGroup(_ db: Database, id: String) throws -> SecurityGroupRecord? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM security_groups WHERE id = ?", arguments: [id]) else {
            return nil
        }
        let rules = try Row.fetchAll(db, sql: "SELECT * FROM security_group_rules WHERE security_group_id = ? ORDER BY created_at, id",
                                     arguments: [id]).map(SecurityGroupRuleRecord.init(row:))
        return SecurityGroupRecord(id: row["id"], name: row["name"], projectID: row["project_id"],
                                   description: row["description"], stateful: row["stateful"], rules: rules,
                                   createdAt: Date(db: row["created_at"]), updatedAt: Date(db: row["updated_at"]))
    }

    public func securityGroup(id: String) async throws -> SecurityGroupRecord? {
        try await db.read { db in try Self.securityGroup(db, id: id) }
    }

    /// A project's groups (every group when `project` is nil), with their rules.
    public func securityGroups(project: String?) async throws -> [SecurityGroupRecord] {
        try await db.read { db in
            let ids = project == nil
                ? try String.fetchAll(db, sql: "SELECT id FROM security_groups ORDER BY id")
                : try String.fetchAll(db, sql: "SELECT id FROM security_groups WHERE project_id = ? ORDER BY id",
                                      arguments: [project])
            return try ids.compactMap { try Self.securityGroup(db, id: $0) }
        }
    }

    public func updateSecurityGroup(id: String, name: String, description: String) async throws {
        try await db.write { db in
            try db.execute(sql: """
                UPDATE security_groups SET name = ?, description = ?, updated_at = ?, revision_number = revision_number + 1
                WHERE id = ?
                """, arguments: [name, description, Date().dbValue, id])
            if db.changesCount == 0 { throw StoreError.notFound(kind: "security group", id: id) }
        }
    }

    /// Deletes a group unless a port still uses it (SecurityGroupInUse).
    public func deleteSecurityGroup(id: String) async throws {
        try await db.write { db in
            let inUse = try Bool.fetchOne(db, sql: """
                SELECT 1 FROM ports WHERE EXISTS (SELECT 1 FROM json_each(ports.security_groups) WHERE value = ?) LIMIT 1
                """, arguments: [id]) ?? false
            if inUse { throw StoreError.conflict("Security Group \(id) in use.") }
            try db.execute(sql: "DELETE FROM security_groups WHERE id = ?", arguments: [id])
            if db.changesCount == 0 { throw StoreError.notFound(kind: "security group", id: id) }
        }
    }

    /// Adds a rule unless the group already has the same one (conflict naming the existing rule's id).
    public func addSecurityGroupRule(_ r: SecurityGroupRuleRecord) async throws {
        try await db.write { db in
            guard let g = try Self.securityGroup(db, id: r.securityGroupID) else {
                throw StoreError.notFound(kind: "security group", id: r.securityGroupID)
            }
            if let same = g.rules.first(where: { $0.sameRule(as: r) }) {
                throw StoreError.conflict("Security group rule already exists. Rule id is \(same.id).")
            }
            try Self.insertRule(db, r)
        }
    }

    public func securityGroupRules(project: String?) async throws -> [SecurityGroupRuleRecord] {
        try await db.read { db in
            try (project == nil
                ? Row.fetchAll(db, sql: "SELECT * FROM security_group_rules ORDER BY id")
                : Row.fetchAll(db, sql: """
                    SELECT r.* FROM security_group_rules r JOIN security_groups g ON g.id = r.security_group_id
                    WHERE g.project_id = ? ORDER BY r.id
                    """, arguments: [project])).map(SecurityGroupRuleRecord.init(row:))
        }
    }

    public func securityGroupRule(id: String) async throws -> SecurityGroupRuleRecord? {
        try await db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM security_group_rules WHERE id = ?", arguments: [id])
                .map(SecurityGroupRuleRecord.init(row:))
        }
    }

    public func deleteSecurityGroupRule(id: String) async throws {
        try await db.write { db in
            try db.execute(sql: "DELETE FROM security_group_rules WHERE id = ?", arguments: [id])
            if db.changesCount == 0 { throw StoreError.notFound(kind: "security group rule", id: id) }
        }
    }
}
