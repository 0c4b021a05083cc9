import Foundation
import GRDB
import NimbusKernel

/// Host aggregates (os-aggregates). Errors follow Nova's: duplicate name → conflict (409), unknown id →
/// notFound (404), adding a present host / removing an absent one → conflict / notFound.
extension NimbusStore {
    public func createAggregate(name: String, availabilityZone: String? = nil) async throws -> AggregateRecord {
        try await db.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM aggregates WHERE name = ?", arguments: [name]) ?? false {
                throw StoreError.conflict("Aggregate \(name) already exists.")
            }
            try db.execute(sql: "INSERT INTO aggregates (uuid, name, created_at) VALUES (?, ?, ?)",
                           arguments: [UUID().db, name, Date().dbValue])
            let id = Int(db.lastInsertedRowID)
            if let availabilityZone {
                try db.execute(sql: "INSERT INTO aggregate_metadata (aggregate_id, key, value) VALUES (?, ?, ?)",
                               arguments: [id, "availability_zone", availabilityZone])
            }
            return try Self.aggregate(db, id: id)
        }
    }

    public func aggregate(id: Int) async throws -> AggregateRecord {
        try await db.read { try Self.aggregate($0, id: id) }
    }

    public func aggregates() async throws -> [AggregateRecord] {
        try await db.read { db in try Self.loadAggregates(db, sql: "SELECT * FROM aggregates ORDER BY id") }
    }

    /// Aggregates containing `host` (HostState.aggregates).
    public func aggregates(forHost host: String) async throws -> [AggregateRecord] {
        try await db.read { db in
            try Self.loadAggregates(db, sql: """
                SELECT a.* FROM aggregates a JOIN aggregate_hosts h ON h.aggregate_id = a.id
                WHERE h.host = ? ORDER BY a.id
                """, arguments: [host])
        }
    }

    /// Renames and/or moves to another AZ (`PUT /os-aggregates/{id}`); a nil argument leaves it as is.
    public func updateAggregate(id: Int, name: String? = nil, availabilityZone: String? = nil)
        async throws -> AggregateRecord
    {
        try await db.write { db in
            _ = try Self.aggregate(db, id: id)
            if let name {
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM aggregates WHERE name = ? AND id != ?",
                                     arguments: [name, id]) ?? false {
                    throw StoreError.conflict("Aggregate \(name) already exists.")
                }
                try db.execute(sql: "UPDATE aggregates SET name = ? WHERE id = ?", arguments: [name, id])
            }
            if let availabilityZone {
                try Self.setMetadata(db, id: id, ["availability_zone": availabilityZone])
            }
            try db.execute(sql: "UPDATE aggregates SET updated_at = ? WHERE id = ?", arguments: [Date().dbValue, id])
            return try Self.aggregate(db, id: id)
        }
    }

    /// Deletes an aggregate; Nova refuses while it still has hosts (conflict).
    public func deleteAggregate(id: Int) async throws {
        try await db.write { db in
            let a = try Self.aggregate(db, id: id)
            guard a.hosts.isEmpty else {
                throw StoreError.conflict("Cannot remove aggregate \(id). Reason: Host aggregate is not empty.")
            }
            try db.execute(sql: "DELETE FROM aggregates WHERE id = ?", arguments: [id])
        }
    }

    public func addHost(_ host: String, toAggregate id: Int) async throws -> AggregateRecord {
        try await db.write { db in
            let a = try Self.aggregate(db, id: id)
            guard !a.hosts.contains(host) else {
                throw StoreError.conflict("Aggregate \(id) already has host \(host).")
            }
            try db.execute(sql: "INSERT INTO aggregate_hosts (aggregate_id, host) VALUES (?, ?)", arguments: [id, host])
            try db.execute(sql: "UPDATE aggregates SET updated_at = ? WHERE id = ?", arguments: [Date().dbValue, id])
            return try Self.aggregate(db, id: id)
        }
    }

    public func removeHost(_ host: String, fromAggregate id: Int) async throws -> AggregateRecord {
        try await db.write { db in
            let a = try Self.aggregate(db, id: id)
            guard a.hosts.contains(host) else {
                throw StoreError.notFound(kind: "Aggregate \(id) host", id: host)
            }
            try db.execute(sql: "DELETE FROM aggregate_hosts WHERE aggregate_id = ? AND host = ?", arguments: [id, host])
            try db.execute(sql: "UPDATE aggregates SET updated_at = ? WHERE id = ?", arguments: [Date().dbValue, id])
            return try Self.aggregate(db, id: id)
        }
    }

    /// `set_metadata`: each key set to its value; a nil value deletes the key (Nova's `null`).
    public func setMetadata(aggregate id: Int, _ changes: [String: String?]) async throws -> AggregateRecord {
        try await db.write { db in
            _ = try Self.aggregate(db, id: id)
            try Self.setMetadata(db, id: id, changes)
            try db.execute(sql: "UPDATE aggregates SET updated_at = ? WHERE id = ?", arguments: [Date().dbValue, id])
            return try Self.aggregate(db, id: id)
        }
    }

    /// Host → its aggregates, for every host in at least one aggregate (one query for the scheduler).
    public func aggregatesByHost() async throws -> [String: [AggregateInfo]] {
        try await db.read { db in
            let all = try Self.loadAggregates(db, sql: "SELECT * FROM aggregates ORDER BY id")
            var out: [String: [AggregateInfo]] = [:]
            for a in all { for h in a.hosts { out[h, default: []].append(a.info) } }
            return out
        }
    }

    // MARK: helpers (inside a transaction)

    static func setMetadata(_ db: Database, id: Int, _ changes: [String: String?]) throws {
        for (key, value) in changes {
            if let value {
                try db.execute(sql: """
                    INSERT INTO aggregate_metadata (aggregate_id, key, value) VALUES (?, ?, ?)
                    ON CONFLICT (aggregate_id, key) DO UPDATE SET value = excluded.value
                    """, arguments: [id, key, value])
            } else {
                try db.execute(sql: "DELETE FROM aggregate_metadata WHERE aggregate_id = ? AND key = ?",
                               arguments: [id, key])
            }
        }
    }

    static func aggregate(_ db: Database, id: Int) throws -> AggregateRecord {
        guard let a = try loadAggregates(db, sql: "SELECT * FROM aggregates WHERE id = ?", arguments: [id]).first
        else { throw StoreError.notFound(kind: "Aggregate", id: String(id)) }
        return a
    }

    static func loadAggregates(_ db: Database, sql: String, arguments: StatementArguments = []) throws
        -> [AggregateRecord]
    {
        let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
        guard !rows.isEmpty else { return [] }
        var hosts: [Int: [String]] = [:]
        for r in try Row.fetchAll(db, sql: "SELECT aggregate_id, host FROM aggregate_hosts ORDER BY host") {
            hosts[r["aggregate_id"], default: []].append(r["host"])
        }
        var metadata: [Int: [String: String]] = [:]
        for r in try Row.fetchAll(db, sql: "SELECT aggregate_id, key, value FROM aggregate_metadata") {
            metadata[r["aggregate_id"], default: [:]][r["key"]] = r["value"]
        }
        return rows.map { r in
            let id: Int = r["id"]
            return AggregateRecord(
                id: id, uuid: UUID(uuidString: r["uuid"])!, name: r["name"], hosts: hosts[id] ?? [],
                metadata: metadata[id] ?? [:], createdAt: Date(db: r["created_at"]),
                updatedAt: (r["updated_at"] as Double?).map(Date.init(db:)))
        }
    }
}
