import GRDB

extension NimbusStore {
    /// The limits stored for a quota class (resource → hard limit; -1 = unlimited); resources never set are
    /// absent (they fall back to the `[quota]` options).
    public func quotaClass(_ name: String) async throws -> [String: Int] {
        try await db.read { db in
            var out: [String: Int] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT resource, hard_limit FROM quota_classes WHERE class_name = ?",
                                      arguments: [name]) {
                out[r["resource"]] = r["hard_limit"]
            }
            return out
        }
    }

    /// Sets limits of a quota class (Nova's `Quotas.update_class`, or `create_class` for a new resource).
    public func setQuotaClass(_ name: String, _ limits: [String: Int]) async throws {
        try await db.write { db in
            for (res, limit) in limits {
                try db.execute(sql: """
                    INSERT INTO quota_classes (class_name, resource, hard_limit) VALUES (?, ?, ?)
                    ON CONFLICT (class_name, resource) DO UPDATE SET hard_limit = excluded.hard_limit
                    """, arguments: [name, res, limit])
            }
        }
    }
}
