import Foundation
import GRDB

extension NimbusStore {
    // MARK: roles

    public func roles(name: String? = nil) async throws -> [RoleRecord] {
        try await db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM identity_roles WHERE (?1 IS NULL OR name = ?1) ORDER BY name",
                             arguments: [name]).map(RoleRecord.init(row:))
        }
    }

    public func role(id: String) async throws -> RoleRecord? {
        try await db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM identity_roles WHERE id = ?", arguments: [id]).map(RoleRecord.init(row:))
        }
    }

    public func createRole(_ r: RoleRecord) async throws -> RoleRecord {
        try await db.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM identity_roles WHERE name = ?", arguments: [r.name]) ?? false {
                throw StoreError.conflict("Duplicate entry found with name \(r.name).")
            }
            try db.execute(sql: "INSERT INTO identity_roles (id, name, description, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [r.id, r.name, r.description, Date().dbValue])
            return r
        }
    }

    public func updateRole(_ r: RoleRecord) async throws {
        try await db.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM identity_roles WHERE name = ? AND id != ?",
                                 arguments: [r.name, r.id]) ?? false {
                throw StoreError.conflict("Duplicate entry found with name \(r.name).")
            }
            try db.execute(sql: "UPDATE identity_roles SET name = ?, description = ? WHERE id = ?",
                           arguments: [r.name, r.description, r.id])
            if db.changesCount == 0 { throw StoreError.notFound(kind: "role", id: r.id) }
        }
    }

    /// Deletes a role with its assignments and implications (as Keystone does).
    public func deleteRole(id: String) async throws {
        try await db.write { db in
            try db.execute(sql: "DELETE FROM identity_roles WHERE id = ?", arguments: [id])
            if db.changesCount == 0 { throw StoreError.notFound(kind: "role", id: id) }
        }
    }

    /// Records that holding `prior` also grants `implied` (idempotent).
    public func addImpliedRole(prior: String, implied: String) async throws {
        try await db.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO identity_implied_roles (prior_role_id, implied_role_id) VALUES (?, ?)",
                           arguments: [prior, implied])
        }
    }

    /// Every implication as (prior role id, implied role id).
    public func impliedRoles() async throws -> [(prior: String, implied: String)] {
        try await db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM identity_implied_roles").map { ($0["prior_role_id"], $0["implied_role_id"]) }
        }
    }

    // MARK: assignments

    /// Grants a role (idempotent, as Keystone's PUT is).
    public func grant(_ a: RoleAssignmentRecord) async throws {
        try await db.write { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO identity_role_assignments (user_id, target_type, target_id, role_id) VALUES (?, ?, ?, ?)
                """, arguments: [a.userID, a.target.rawValue, a.targetID, a.roleID])
        }
    }

    public func revoke(_ a: RoleAssignmentRecord) async throws {
        try await db.write { db in
            try db.execute(sql: """
                DELETE FROM identity_role_assignments WHERE user_id = ? AND target_type = ? AND target_id = ? AND role_id = ?
                """, arguments: [a.userID, a.target.rawValue, a.targetID, a.roleID])
            if db.changesCount == 0 { throw StoreError.notFound(kind: "role assignment", id: a.roleID) }
        }
    }

    public func hasAssignment(_ a: RoleAssignmentRecord) async throws -> Bool {
        try await db.read { db in
            try Bool.fetchOne(db, sql: """
                SELECT 1 FROM identity_role_assignments WHERE user_id = ? AND target_type = ? AND target_id = ? AND role_id = ?
                """, arguments: [a.userID, a.target.rawValue, a.targetID, a.roleID]) ?? false
        }
    }

    /// Direct assignments matching every given filter.
    public func roleAssignments(userID: String? = nil, target: RoleAssignmentRecord.Target? = nil,
                                targetID: String? = nil, roleID: String? = nil) async throws -> [RoleAssignmentRecord] {
        try await db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM identity_role_assignments WHERE (?1 IS NULL OR user_id = ?1) AND (?2 IS NULL OR target_type = ?2)
                  AND (?3 IS NULL OR target_id = ?3) AND (?4 IS NULL OR role_id = ?4)
                ORDER BY target_type, target_id, user_id, role_id
                """, arguments: [userID, target?.rawValue, targetID, roleID]).map {
                RoleAssignmentRecord(userID: $0["user_id"], target: RoleAssignmentRecord.Target(rawValue: $0["target_type"]) ?? .project,
                                     targetID: $0["target_id"], roleID: $0["role_id"])
            }
        }
    }

    /// Effective roles of a user on a target: direct assignments closed over role implications.
    static func effectiveRoles(_ db: Database, userID: String, target: RoleAssignmentRecord.Target,
                               targetID: String) throws -> [RoleRecord] {
        try Row.fetchAll(db, sql: """
            WITH RECURSIVE eff(role_id) AS (
              SELECT role_id FROM identity_role_assignments WHERE user_id = ? AND target_type = ? AND target_id = ?
              UNION SELECT i.implied_role_id FROM identity_implied_roles i JOIN eff ON i.prior_role_id = eff.role_id
            )
            SELECT r.* FROM identity_roles r JOIN eff ON r.id = eff.role_id ORDER BY r.name
            """, arguments: [userID, target.rawValue, targetID]).map(RoleRecord.init(row:))
    }

    public func effectiveRoles(userID: String, projectID: String) async throws -> [RoleRecord] {
        try await db.read { try Self.effectiveRoles($0, userID: userID, target: .project, targetID: projectID) }
    }

    /// Projects on which the user holds any role.
    public func projects(ofUser userID: String) async throws -> [ProjectRecord] {
        try await db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT DISTINCT p.* FROM identity_projects p JOIN identity_role_assignments a
                  ON a.target_type = 'project' AND a.target_id = p.id WHERE a.user_id = ? ORDER BY p.name
                """, arguments: [userID]).map(ProjectRecord.init(row:))
        }
    }

    // MARK: tokens

    /// Everything token validation needs in one read; nil when the user no longer exists.
    public func tokenSubject(userID: String, projectID: String?, auditID: String) async throws -> TokenSubject? {
        try await db.read { db in
            guard let user = try Self.user(db, id: userID), let userDomain = try Self.domain(db, id: user.domainID) else {
                return nil
            }
            let project = try projectID.flatMap { try Self.project(db, id: $0) }
            if projectID != nil && project == nil { return nil }
            let projectDomain = try project.flatMap { try Self.domain(db, id: $0.domainID) }
            let roles = try project.map { try Self.effectiveRoles(db, userID: userID, target: .project, targetID: $0.id) } ?? []
            let revoked = try Bool.fetchOne(db, sql: "SELECT 1 FROM identity_revocations WHERE audit_id = ?",
                                            arguments: [auditID]) ?? false
            return TokenSubject(user: user, userDomain: userDomain, project: project, projectDomain: projectDomain,
                                roles: roles, revoked: revoked)
        }
    }

    /// Revokes a token by audit id; rows for tokens past their expiry are purged on the way.
    public func revokeToken(auditID: String, expiresAt: Date) async throws {
        try await db.write { db in
            try db.execute(sql: "DELETE FROM identity_revocations WHERE expires_at < ?", arguments: [Date().dbValue])
            try db.execute(sql: "INSERT OR REPLACE INTO identity_revocations (audit_id, expires_at) VALUES (?, ?)",
                           arguments: [auditID, expiresAt.dbValue])
        }
    }

    // MARK: catalog

    public func catalogServices() async throws -> [CatalogServiceRecord] {
        try await db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM identity_services ORDER BY type").map {
                CatalogServiceRecord(id: $0["id"], type: $0["type"], name: $0["name"], description: $0["description"],
                                     enabled: $0["enabled"])
            }
        }
    }

    public func endpoints() async throws -> [EndpointRecord] {
        try await db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM identity_endpoints ORDER BY service_id, interface").map {
                EndpointRecord(id: $0["id"], serviceID: $0["service_id"], interface: $0["interface"], region: $0["region"],
                               url: $0["url"], enabled: $0["enabled"])
            }
        }
    }

    /// Creates or updates a service of `type` (one per type) and its endpoints per interface in `region`.
    @discardableResult
    public func upsertCatalogEntry(type: String, name: String, region: String, urls: [String: String]) async throws
        -> CatalogServiceRecord
    {
        try await db.write { db in
            var serviceID = try String.fetchOne(db, sql: "SELECT id FROM identity_services WHERE type = ?", arguments: [type])
            if serviceID == nil {
                let id = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
                try db.execute(sql: "INSERT INTO identity_services (id, type, name) VALUES (?, ?, ?)", arguments: [id, type, name])
                serviceID = id
            }
            let sid = serviceID!
            for (interface, url) in urls {
                try db.execute(sql: """
                    INSERT INTO identity_endpoints (id, service_id, interface, region, url) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (service_id, interface, region) DO UPDATE SET url = excluded.url
                    """, arguments: [UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""), sid, interface,
                                     region, url])
            }
            return CatalogServiceRecord(id: sid, type: type, name: name)
        }
    }
}
