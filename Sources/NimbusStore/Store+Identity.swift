import Foundation
import GRDB

extension DomainRecord {
    init(row: Row) {
        self.init(id: row["id"], name: row["name"], description: row["description"], enabled: row["enabled"])
    }
}

extension ProjectRecord {
    init(row: Row) {
        self.init(id: row["id"], name: row["name"], domainID: row["domain_id"], description: row["description"],
                  enabled: row["enabled"])
    }
}

extension UserRecord {
    init(row: Row) {
        self.init(id: row["id"], name: row["name"], domainID: row["domain_id"], passwordHash: row["password_hash"],
                  defaultProjectID: row["default_project_id"], email: row["email"], description: row["description"],
                  enabled: row["enabled"], passwordChangedAt: (row["password_changed_at"] as Double?).map(Date.init(db:)))
    }
}

extension RoleRecord {
    init(row: Row) { self.init(id: row["id"], name: row["name"], description: row["description"]) }
}

/// What validating a token needs, read in one transaction.
public struct TokenSubject: Sendable, Hashable {
    public var user: UserRecord
    public var userDomain: DomainRecord
    public var project: ProjectRecord?
    public var projectDomain: DomainRecord?
    /// Effective roles on the project: direct assignments plus the roles they imply.
    public var roles: [RoleRecord]
    public var revoked: Bool
}

extension NimbusStore {
    // MARK: domains

    public func domains(name: String? = nil) async throws -> [DomainRecord] {
        try await db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM identity_domains WHERE (?1 IS NULL OR name = ?1) ORDER BY name",
                             arguments: [name]).map(DomainRecord.init(row:))
        }
    }

    public func domain(id: String) async throws -> DomainRecord? {
        try await db.read { try Self.domain($0, id: id) }
    }

    static func domain(_ db: Database, id: String) throws -> DomainRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM identity_domains WHERE id = ?", arguments: [id]).map(DomainRecord.init(row:))
    }

    public func createDomain(_ d: DomainRecord) async throws -> DomainRecord {
        try await db.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM identity_domains WHERE name = ? OR id = ?",
                                 arguments: [d.name, d.id]) ?? false {
                throw StoreError.conflict("Duplicate entry found with name \(d.name).")
            }
            try db.execute(sql: "INSERT INTO identity_domains (id, name, description, enabled, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [d.id, d.name, d.description, d.enabled, Date().dbValue])
            return d
        }
    }

    public func updateDomain(_ d: DomainRecord) async throws {
        try await db.write { db in
            // Checked here, not left to the UNIQUE index: its error would surface as a 500, not Keystone's 409.
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM identity_domains WHERE name = ? AND id != ?",
                                 arguments: [d.name, d.id]) ?? false {
                throw StoreError.conflict("Duplicate entry found with name \(d.name).")
            }
            try db.execute(sql: "UPDATE identity_domains SET name = ?, description = ?, enabled = ? WHERE id = ?",
                           arguments: [d.name, d.description, d.enabled, d.id])
            if db.changesCount == 0 { throw StoreError.notFound(kind: "domain", id: d.id) }
        }
    }

    /// Deletes a domain with nothing in it (Keystone also requires it to be disabled first).
    public func deleteDomain(id: String) async throws {
        try await db.write { db in
            for table in ["identity_projects", "identity_users"] {
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM \(table) WHERE domain_id = ?", arguments: [id]) ?? false {
                    throw StoreError.conflict("Domain \(id) still owns projects or users.")
                }
            }
            try db.execute(sql: "DELETE FROM identity_role_assignments WHERE target_type = 'domain' AND target_id = ?",
                           arguments: [id])
            try db.execute(sql: "DELETE FROM identity_domains WHERE id = ?", arguments: [id])
            if db.changesCount == 0 { throw StoreError.notFound(kind: "domain", id: id) }
        }
    }

    // MARK: projects

    public func projects(name: String? = nil, domainID: String? = nil) async throws -> [ProjectRecord] {
        try await db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM identity_projects WHERE (?1 IS NULL OR name = ?1) AND (?2 IS NULL OR domain_id = ?2)
                ORDER BY name
                """, arguments: [name, domainID]).map(ProjectRecord.init(row:))
        }
    }

    public func project(id: String) async throws -> ProjectRecord? {
        try await db.read { try Self.project($0, id: id) }
    }

    static func project(_ db: Database, id: String) throws -> ProjectRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM identity_projects WHERE id = ?", arguments: [id]).map(ProjectRecord.init(row:))
    }

    public func project(name: String, domainID: String) async throws -> ProjectRecord? {
        try await db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM identity_projects WHERE name = ? AND domain_id = ?",
                             arguments: [name, domainID]).map(ProjectRecord.init(row:))
        }
    }

    public func createProject(_ p: ProjectRecord) async throws -> ProjectRecord {
        try await db.write { db in
            guard try Self.domain(db, id: p.domainID) != nil else { throw StoreError.notFound(kind: "domain", id: p.domainID) }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM identity_projects WHERE name = ? AND domain_id = ?",
                                 arguments: [p.name, p.domainID]) ?? false {
                throw StoreError.conflict("Duplicate entry found with name \(p.name) at domain ID \(p.domainID).")
            }
            try db.execute(sql: """
                INSERT INTO identity_projects (id, name, domain_id, description, enabled, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [p.id, p.name, p.domainID, p.description, p.enabled, Date().dbValue])
            return p
        }
    }

    public func updateProject(_ p: ProjectRecord) async throws {
        try await db.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM identity_projects WHERE name = ? AND domain_id = ? AND id != ?",
                                 arguments: [p.name, p.domainID, p.id]) ?? false {
                throw StoreError.conflict("Duplicate entry found with name \(p.name) at domain ID \(p.domainID).")
            }
            try db.execute(sql: "UPDATE identity_projects SET name = ?, description = ?, enabled = ? WHERE id = ?",
                           arguments: [p.name, p.description, p.enabled, p.id])
            if db.changesCount == 0 { throw StoreError.notFound(kind: "project", id: p.id) }
        }
    }

    public func deleteProject(id: String) async throws {
        try await db.write { db in
            try db.execute(sql: "DELETE FROM identity_role_assignments WHERE target_type = 'project' AND target_id = ?",
                           arguments: [id])
            try db.execute(sql: "DELETE FROM identity_projects WHERE id = ?", arguments: [id])
            if db.changesCount == 0 { throw StoreError.notFound(kind: "project", id: id) }
        }
    }

    // MARK: users

    public func users(name: String? = nil, domainID: String? = nil) async throws -> [UserRecord] {
        try await db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM identity_users WHERE (?1 IS NULL OR name = ?1) AND (?2 IS NULL OR domain_id = ?2) ORDER BY name
                """, arguments: [name, domainID]).map(UserRecord.init(row:))
        }
    }

    public func user(id: String) async throws -> UserRecord? {
        try await db.read { try Self.user($0, id: id) }
    }

    static func user(_ db: Database, id: String) throws -> UserRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM identity_users WHERE id = ?", arguments: [id]).map(UserRecord.init(row:))
    }

    public func user(name: String, domainID: String) async throws -> UserRecord? {
        try await db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM identity_users WHERE name = ? AND domain_id = ?",
                             arguments: [name, domainID]).map(UserRecord.init(row:))
        }
    }

    public func createUser(_ u: UserRecord) async throws -> UserRecord {
        try await db.write { db in
            guard try Self.domain(db, id: u.domainID) != nil else { throw StoreError.notFound(kind: "domain", id: u.domainID) }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM identity_users WHERE name = ? AND domain_id = ?",
                                 arguments: [u.name, u.domainID]) ?? false {
                throw StoreError.conflict("Duplicate entry found with name \(u.name) at domain ID \(u.domainID).")
            }
            try db.execute(sql: """
                INSERT INTO identity_users (id, name, domain_id, password_hash, default_project_id, email, description,
                  enabled, created_at, password_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [u.id, u.name, u.domainID, u.passwordHash, u.defaultProjectID, u.email, u.description,
                                 u.enabled, Date().dbValue, u.passwordChangedAt?.dbValue])
            return u
        }
    }

    public func updateUser(_ u: UserRecord) async throws {
        try await db.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM identity_users WHERE name = ? AND domain_id = ? AND id != ?",
                                 arguments: [u.name, u.domainID, u.id]) ?? false {
                throw StoreError.conflict("Duplicate entry found with name \(u.name) at domain ID \(u.domainID).")
            }
            try db.execute(sql: """
                UPDATE identity_users SET name = ?, password_hash = ?, default_project_id = ?, email = ?, description = ?,
                  enabled = ?, password_changed_at = ? WHERE id = ?
                """, arguments: [u.name, u.passwordHash, u.defaultProjectID, u.email, u.description, u.enabled,
                                 u.passwordChangedAt?.dbValue, u.id])
            if db.changesCount == 0 { throw StoreError.notFound(kind: "user", id: u.id) }
        }
    }

    public func deleteUser(id: String) async throws {
        try await db.write { db in
            try db.execute(sql: "DELETE FROM identity_users WHERE id = ?", arguments: [id])
            if db.changesCount == 0 { throw StoreError.notFound(kind: "user", id: id) }
        }
    }
}
