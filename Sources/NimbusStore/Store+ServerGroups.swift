import Foundation
import GRDB
import NimbusKernel

/// Server groups (os-server-groups) and their members. The scheduler reads a group as an
/// `InstanceGroupInfo` (policy, rules, where members run).
extension NimbusStore {
    public func createServerGroup(name: String, projectID: String, userID: String, policy: ServerGroupPolicy,
                                  rules: [String: String] = [:]) async throws -> ServerGroupRecord {
        try await db.write { db in
            let uuid = UUID()
            try db.execute(sql: """
                INSERT INTO instance_groups (uuid, name, project_id, user_id, policy, rules, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [uuid.db, name, projectID, userID, policy.rawValue, try JSONColumn.encode(rules),
                                 Date().dbValue])
            return try Self.serverGroup(db, uuid: uuid)
        }
    }

    /// Throws notFound for an unknown group.
    public func serverGroup(uuid: UUID) async throws -> ServerGroupRecord {
        try await db.read { try Self.serverGroup($0, uuid: uuid) }
    }

    /// Groups of one project, or of every project when `project` is nil (admin `all_projects`).
    public func serverGroups(project: String?) async throws -> [ServerGroupRecord] {
        try await db.read { db in
            let rows = try project.map {
                try Row.fetchAll(db, sql: "SELECT * FROM instance_groups WHERE project_id = ? ORDER BY id", arguments: [$0])
            } ?? Row.fetchAll(db, sql: "SELECT * FROM instance_groups ORDER BY id")
            return try rows.map { try Self.serverGroup(db, row: $0) }
        }
    }

    public func deleteServerGroup(uuid: UUID) async throws {
        try await db.write { db in
            _ = try Self.serverGroup(db, uuid: uuid)
            try db.execute(sql: "DELETE FROM instance_groups WHERE uuid = ?", arguments: [uuid.db])
        }
    }

    /// Adds an instance to a group (at server create, before scheduling). Adding twice is harmless.
    public func addMember(_ instance: UUID, toGroup uuid: UUID) async throws {
        try await db.write { db in
            let g = try Self.serverGroup(db, uuid: uuid)
            try db.execute(sql: """
                INSERT OR IGNORE INTO instance_group_members (group_id, instance_uuid, created_at) VALUES (?, ?, ?)
                """, arguments: [g.id, instance.db, Date().dbValue])
        }
    }

    /// Removes an instance from whatever group holds it (server delete).
    public func removeMember(_ instance: UUID) async throws {
        try await db.write { db in
            try db.execute(sql: "DELETE FROM instance_group_members WHERE instance_uuid = ?", arguments: [instance.db])
        }
    }

    /// The group an instance belongs to, if any.
    public func serverGroup(forInstance instance: UUID) async throws -> ServerGroupRecord? {
        try await db.read { db in
            try Row.fetchOne(db, sql: """
                SELECT g.* FROM instance_groups g JOIN instance_group_members m ON m.group_id = g.id
                WHERE m.instance_uuid = ?
                """, arguments: [instance.db]).map { try Self.serverGroup(db, row: $0) }
        }
    }

    /// The group as the scheduler sees it: members that have a host (live instances only) and where they run.
    public func instanceGroupInfo(uuid: UUID) async throws -> InstanceGroupInfo {
        try await db.read { db in
            let g = try Self.serverGroup(db, uuid: uuid)
            var hosts: [UUID: String] = [:]
            for r in try Row.fetchAll(db, sql: """
                SELECT i.uuid, i.host FROM instance_group_members m JOIN instances i ON i.uuid = m.instance_uuid
                WHERE m.group_id = ? AND i.deleted = 0 AND i.host IS NOT NULL
                """, arguments: [g.id]) {
                hosts[UUID(uuidString: r["uuid"])!] = r["host"]
            }
            return InstanceGroupInfo(uuid: g.uuid, policy: g.policy, rules: g.rules, memberHosts: hosts)
        }
    }

    // MARK: helpers

    static func serverGroup(_ db: Database, uuid: UUID) throws -> ServerGroupRecord {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM instance_groups WHERE uuid = ?", arguments: [uuid.db])
        else { throw StoreError.notFound(kind: "Instance group", id: uuid.db) }
        return try serverGroup(db, row: row)
    }

    static func serverGroup(_ db: Database, row: Row) throws -> ServerGroupRecord {
        let id: Int = row["id"]
        let members = try String.fetchAll(db, sql: """
            SELECT instance_uuid FROM instance_group_members WHERE group_id = ? ORDER BY created_at, instance_uuid
            """, arguments: [id]).compactMap(UUID.init(uuidString:))
        guard let policy = ServerGroupPolicy(rawValue: row["policy"]) else {
            throw StoreError.conflict("server group \(row["uuid"] as String) has unknown policy \(row["policy"] as String)")
        }
        return ServerGroupRecord(
            id: id, uuid: UUID(uuidString: row["uuid"])!, name: row["name"], projectID: row["project_id"],
            userID: row["user_id"], policy: policy, rules: try JSONColumn.decode([String: String].self, row["rules"]),
            members: members, createdAt: Date(db: row["created_at"]))
    }
}
