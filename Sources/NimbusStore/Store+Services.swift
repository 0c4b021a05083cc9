import Foundation
import GRDB
import NimbusKernel

extension ServiceRecord {
    init(row: Row) {
        self.init(
            uuid: UUID(uuidString: row["uuid"])!, host: row["host"], binary: row["binary"], topic: row["topic"],
            reportCount: row["report_count"], disabled: row["disabled"], disabledReason: row["disabled_reason"],
            forcedDown: row["forced_down"], lastSeenUp: (row["last_seen_up"] as Double?).map(Date.init(db:)),
            createdAt: Date(db: row["created_at"]), updatedAt: (row["updated_at"] as Double?).map(Date.init(db:)),
            rpcEndpoint: row["rpc_endpoint"], rpcPublicKey: row["rpc_public_key"])
        id = row["rowid"] ?? 0
    }
}

extension NimbusStore {
    /// Registers a service (or returns the existing row for host+binary), as a service does at start.
    public func registerService(host: String, binary: String, topic: String, rpcEndpoint: String? = nil,
                                rpcPublicKey: String? = nil) async throws -> ServiceRecord {
        try await db.write { db in
            let now = Date().dbValue
            try db.cachedStatement(sql: """
                INSERT INTO services (uuid, host, binary, topic, created_at, rpc_endpoint, rpc_public_key)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (host, binary) DO UPDATE SET topic = excluded.topic, updated_at = ?,
                  last_seen_up = CASE WHEN last_seen_up = 0 THEN NULL ELSE last_seen_up END,
                  rpc_endpoint = COALESCE(excluded.rpc_endpoint, rpc_endpoint),
                  rpc_public_key = COALESCE(excluded.rpc_public_key, rpc_public_key)
                """).execute(arguments: [UUID().db, host, binary, topic, now, rpcEndpoint, rpcPublicKey, now])
            let row = try Row.fetchOne(try db.cachedStatement(sql: "SELECT rowid, * FROM services WHERE host = ? AND binary = ?"), arguments: [host, binary])!
            return ServiceRecord(row: row)
        }
    }

    /// One heartbeat: `report_count += 1` and `last_seen_up = now` (Nova's DB servicegroup driver).
    @discardableResult
    public func heartbeat(service uuid: UUID, at now: Date = Date()) async throws -> ServiceRecord {
        try await db.write { db in
            // A heartbeat that arrives after the service said it stopped (sent just before SIGTERM, handled after)
            // must not show it up again: only registering again does.
            try db.cachedStatement(sql: """
                UPDATE services SET report_count = report_count + 1, last_seen_up = ?, updated_at = ?
                WHERE uuid = ? AND (last_seen_up IS NULL OR last_seen_up <> 0)
                """).execute(arguments: [now.dbValue, now.dbValue, uuid.db])
            guard let row = try Row.fetchOne(try db.cachedStatement(sql: "SELECT rowid, * FROM services WHERE uuid = ?"), arguments: [uuid.db])
            else { throw StoreError.notFound(kind: "Service", id: uuid.db) }
            return ServiceRecord(row: row)
        }
    }

    /// A clean stop: the row shows down at once instead of after `service_down_time`.
    public func markServiceStopped(_ uuid: UUID) async throws {
        try await db.write { db in
            try db.cachedStatement(sql: "UPDATE services SET last_seen_up = 0, updated_at = ? WHERE uuid = ?").execute(arguments: [Date().dbValue, uuid.db])
        }
    }

    public func services(binary: String? = nil, host: String? = nil) async throws -> [ServiceRecord] {
        try await db.read { db in
            var sql = "SELECT rowid, * FROM services WHERE 1 = 1"
            var args: [any DatabaseValueConvertible] = []
            if let binary { sql += " AND binary = ?"; args.append(binary) }
            if let host { sql += " AND host = ?"; args.append(host) }
            sql += " ORDER BY created_at, host"
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map(ServiceRecord.init(row:))
        }
    }

    public func service(_ uuid: UUID) async throws -> ServiceRecord? {
        try await db.read { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT rowid, * FROM services WHERE uuid = ?"), arguments: [uuid.db])
                .map(ServiceRecord.init(row:))
        }
    }

    /// Admin changes (`PUT /os-services/{id}`): status and forced_down.
    public func updateService(_ uuid: UUID, disabled: Bool? = nil, disabledReason: String?? = nil,
                              forcedDown: Bool? = nil) async throws -> ServiceRecord {
        try await db.write { db in
            guard let row = try Row.fetchOne(try db.cachedStatement(sql: "SELECT rowid, * FROM services WHERE uuid = ?"), arguments: [uuid.db])
            else { throw StoreError.notFound(kind: "Service", id: uuid.db) }
            var s = ServiceRecord(row: row)
            if let disabled { s.disabled = disabled }
            if let disabledReason { s.disabledReason = disabledReason }
            if let forcedDown { s.forcedDown = forcedDown }
            try db.cachedStatement(sql: """
                UPDATE services SET disabled = ?, disabled_reason = ?, forced_down = ?, updated_at = ? WHERE uuid = ?
                """).execute(arguments: [s.disabled, s.disabledReason, s.forcedDown, Date().dbValue, uuid.db])
            return s
        }
    }

    public func deleteService(_ uuid: UUID) async throws {
        try await db.write { db in
            try db.cachedStatement(sql: "DELETE FROM services WHERE uuid = ?").execute(arguments: [uuid.db])
            if db.changesCount == 0 { throw StoreError.notFound(kind: "Service", id: uuid.db) }
        }
    }
}
