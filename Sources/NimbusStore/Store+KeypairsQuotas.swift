import Foundation
import GRDB
import NimbusKernel

/// A keypair (os-keypairs); owned by a user.
public struct KeypairRecord: Sendable, Hashable {
    public var userID: String
    public var name: String
    public var type: String
    public var publicKey: String
    public var fingerprint: String
    public var createdAt: Date

    public init(userID: String, name: String, type: String, publicKey: String, fingerprint: String,
                createdAt: Date = Date()) {
        self.userID = userID
        self.name = name
        self.type = type
        self.publicKey = publicKey
        self.fingerprint = fingerprint
        self.createdAt = createdAt
    }
}

/// What a project uses, for quotas and limits.
public struct ProjectUsage: Sendable, Hashable {
    public var instances = 0
    public var cores = 0
    public var ram = 0
    public var serverGroups = 0
}

extension NimbusStore {
    // MARK: keypairs

    /// Creates a keypair, refusing a duplicate name (conflict) or one over `limit` keypairs for the user.
    public func createKeypair(_ k: KeypairRecord, limit: Int?) async throws {
        try await db.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM key_pairs WHERE user_id = ? AND name = ?",
                                 arguments: [k.userID, k.name]) ?? false {
                throw StoreError.conflict("Key pair '\(k.name)' already exists.")
            }
            let n = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM key_pairs WHERE user_id = ?", arguments: [k.userID]) ?? 0
            if let limit, limit >= 0, n + 1 > limit {
                throw QuotaExceeded(resource: "key_pairs", requested: 1, used: n, allowed: limit)
            }
            try db.execute(sql: """
                INSERT INTO key_pairs (user_id, name, type, public_key, fingerprint, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [k.userID, k.name, k.type, k.publicKey, k.fingerprint, k.createdAt.dbValue])
        }
    }

    public func keypairs(user: String) async throws -> [KeypairRecord] {
        try await db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM key_pairs WHERE user_id = ? ORDER BY name", arguments: [user])
                .map(Self.keypair)
        }
    }

    public func keypair(user: String, name: String) async throws -> KeypairRecord? {
        try await db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM key_pairs WHERE user_id = ? AND name = ?", arguments: [user, name])
                .map(Self.keypair)
        }
    }

    public func deleteKeypair(user: String, name: String) async throws {
        try await db.write { db in
            try db.execute(sql: "DELETE FROM key_pairs WHERE user_id = ? AND name = ?", arguments: [user, name])
            if db.changesCount == 0 { throw StoreError.notFound(kind: "Keypair", id: name) }
        }
    }

    static func keypair(_ r: Row) -> KeypairRecord {
        KeypairRecord(userID: r["user_id"], name: r["name"], type: r["type"], publicKey: r["public_key"],
                      fingerprint: r["fingerprint"], createdAt: Date(db: r["created_at"]))
    }

    // MARK: quotas

    /// Per-project overrides of the default quotas (resource → hard limit; -1 = unlimited).
    public func quotas(project: String) async throws -> [String: Int] {
        try await db.read { db in
            var out: [String: Int] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT resource, hard_limit FROM quotas WHERE project_id = ?",
                                      arguments: [project]) {
                out[r["resource"]] = r["hard_limit"]
            }
            return out
        }
    }

    public func setQuotas(project: String, _ limits: [String: Int]) async throws {
        try await db.write { db in
            for (res, limit) in limits {
                try db.execute(sql: """
                    INSERT INTO quotas (project_id, resource, hard_limit) VALUES (?, ?, ?)
                    ON CONFLICT (project_id, resource) DO UPDATE SET hard_limit = excluded.hard_limit
                    """, arguments: [project, res, limit])
            }
        }
    }

    public func deleteQuotas(project: String) async throws {
        try await db.write { db in try db.execute(sql: "DELETE FROM quotas WHERE project_id = ?", arguments: [project]) }
    }

    public func usage(project: String) async throws -> ProjectUsage {
        try await db.read { db in try Self.projectUsage(db, project: project) }
    }

    static func projectUsage(_ db: Database, project: String) throws -> ProjectUsage {
        var u = ProjectUsage()
        if let r = try Row.fetchOne(db, sql: """
            SELECT COUNT(*) AS n, COALESCE(SUM(json_extract(flavor, '$.vcpus')), 0) AS cores,
              COALESCE(SUM(json_extract(flavor, '$.memoryMB')), 0) AS ram
            FROM instances WHERE project_id = ? AND deleted = 0
            """, arguments: [project]) {
            u.instances = r["n"]
            u.cores = r["cores"]
            u.ram = r["ram"]
        }
        u.serverGroups = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM instance_groups WHERE project_id = ?",
                                          arguments: [project]) ?? 0
        return u
    }

    // MARK: flavor access

    public func flavorProjects(_ flavorID: String) async throws -> [String] {
        try await db.read { db in
            try String.fetchAll(db, sql: "SELECT project_id FROM flavor_projects WHERE flavor_id = ? ORDER BY project_id",
                                arguments: [flavorID])
        }
    }

    /// Flavor ids a project was given access to (private flavors it may see and use).
    public func flavorsAccessible(project: String) async throws -> Set<String> {
        try await db.read { db in
            Set(try String.fetchAll(db, sql: "SELECT flavor_id FROM flavor_projects WHERE project_id = ?",
                                    arguments: [project]))
        }
    }

    public func addFlavorAccess(_ flavorID: String, project: String) async throws {
        try await db.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM flavor_projects WHERE flavor_id = ? AND project_id = ?",
                                 arguments: [flavorID, project]) ?? false {
                throw StoreError.conflict("Flavor access already exists for flavor \(flavorID) and project \(project) combination.")
            }
            try db.execute(sql: "INSERT INTO flavor_projects (flavor_id, project_id) VALUES (?, ?)",
                           arguments: [flavorID, project])
        }
    }

    public func removeFlavorAccess(_ flavorID: String, project: String) async throws {
        try await db.write { db in
            try db.execute(sql: "DELETE FROM flavor_projects WHERE flavor_id = ? AND project_id = ?",
                           arguments: [flavorID, project])
            if db.changesCount == 0 {
                throw StoreError.notFound(kind: "Flavor access", id: "\(flavorID) \(project)")
            }
        }
    }
}
