import Foundation
import PostgresNIO

/// The PostgreSQL schema, migration by migration, under the same identifiers as the SQLite migrations
/// (Sources/NimbusStore/Migrations.swift), so `db version` names the same schema on both engines. Each holds
/// the part of its SQLite namesake that the engine implements so far: the claims area (compute nodes,
/// allocations, the scheduler's change sequence). SQLite's REAL times are DOUBLE PRECISION seconds since
/// 1970 here, INTEGER is BIGINT, and rowid is a BIGSERIAL `id`.
enum PostgresMigrations {
    static let all: [(identifier: String, statements: [String])] = [
        ("001_initial", [
            """
            CREATE TABLE compute_nodes (
                id BIGSERIAL UNIQUE,
                uuid TEXT PRIMARY KEY NOT NULL,
                host TEXT NOT NULL,
                hypervisor_hostname TEXT NOT NULL UNIQUE,
                vcpus BIGINT NOT NULL, memory_mb BIGINT NOT NULL, local_gb BIGINT NOT NULL,
                hypervisor_type TEXT NOT NULL, hypervisor_version BIGINT NOT NULL,
                host_ip TEXT NOT NULL, cpu_info TEXT NOT NULL, supported_instances TEXT NOT NULL,
                reserved_vcpus BIGINT NOT NULL DEFAULT 0,
                reserved_memory_mb BIGINT NOT NULL DEFAULT 0,
                reserved_disk_gb BIGINT NOT NULL DEFAULT 0,
                cpu_allocation_ratio DOUBLE PRECISION NOT NULL, ram_allocation_ratio DOUBLE PRECISION NOT NULL,
                disk_allocation_ratio DOUBLE PRECISION NOT NULL,
                vcpus_used BIGINT NOT NULL DEFAULT 0,
                memory_mb_used BIGINT NOT NULL DEFAULT 0,
                local_gb_used BIGINT NOT NULL DEFAULT 0,
                failed_builds BIGINT NOT NULL DEFAULT 0,
                generation BIGINT NOT NULL DEFAULT 0,
                created_at DOUBLE PRECISION NOT NULL,
                updated_at DOUBLE PRECISION
            )
            """,
            "CREATE INDEX compute_nodes_host ON compute_nodes(host)",
            """
            CREATE TABLE allocations (
                consumer_uuid TEXT NOT NULL,
                node_uuid TEXT NOT NULL REFERENCES compute_nodes(uuid),
                vcpus BIGINT NOT NULL, memory_mb BIGINT NOT NULL, disk_gb BIGINT NOT NULL,
                project_id TEXT, user_id TEXT,
                created_at DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (consumer_uuid, node_uuid)
            )
            """,
            "CREATE INDEX allocations_node ON allocations(node_uuid)",
        ]),
        ("002_aggregates_server_groups", [
            "ALTER TABLE compute_nodes ADD COLUMN numa_topology TEXT",
            "ALTER TABLE compute_nodes ADD COLUMN pci_pools TEXT",
            "ALTER TABLE compute_nodes ADD COLUMN metrics TEXT",
        ]),
        // A sequence instead of SQLite's one-row counter: nextval never blocks another transaction, so
        // concurrent claims on different nodes do not serialize on the change stamp.
        ("005_scheduler_change_tracking", [
            "CREATE SEQUENCE scheduler_change_seq",
            "ALTER TABLE compute_nodes ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0",
            "CREATE INDEX compute_nodes_change_seq ON compute_nodes(change_seq)",
        ]),
        ("008_node_capabilities", [
            "ALTER TABLE compute_nodes ADD COLUMN capabilities TEXT",
            "ALTER TABLE compute_nodes ADD COLUMN traits TEXT",
        ]),
    ]
}

extension PostgresStore {
    /// Applies the migrations not yet applied, each in its own transaction; returns their identifiers.
    /// An advisory lock makes two processes migrating at once take turns (the second finds nothing to do).
    @discardableResult
    public func migrate() async throws -> [String] {
        do { return try await migrateOnce() } catch { throw readable(error) }
    }

    private func migrateOnce() async throws -> [String] {
        let logger = logger
        // Under the lock too: two concurrent CREATE TABLE IF NOT EXISTS can both try to create it.
        try await client.withTransaction(logger: logger) { conn in
            try await conn.query("SELECT pg_advisory_xact_lock(4242)", logger: logger)
            try await conn.query("""
                CREATE TABLE IF NOT EXISTS nimbus_migrations (identifier TEXT PRIMARY KEY NOT NULL,
                  applied_at DOUBLE PRECISION NOT NULL)
                """, logger: logger)
        }
        var applied: [String] = []
        for m in PostgresMigrations.all {
            let did = try await client.withTransaction(logger: logger) { conn -> Bool in
                try await conn.query("SELECT pg_advisory_xact_lock(4242)", logger: logger)
                let seen = try await conn.query(
                    "SELECT 1 FROM nimbus_migrations WHERE identifier = \(m.identifier)", logger: logger)
                for try await _ in seen { return false }
                for s in m.statements { try await conn.query(PostgresQuery(unsafeSQL: s), logger: logger) }
                let now = Date().timeIntervalSince1970
                try await conn.query("INSERT INTO nimbus_migrations (identifier, applied_at) VALUES (\(m.identifier), \(now))",
                                     logger: logger)
                return true
            }
            if did { applied.append(m.identifier) }
        }
        return applied
    }

    /// The applied migrations, oldest first (`nimbus manage db version`).
    public func appliedMigrations() async throws -> [String] {
        do {
            let rows = try await client.query("SELECT identifier FROM nimbus_migrations ORDER BY identifier", logger: logger)
            var out: [String] = []
            for try await id in rows.decode(String.self) { out.append(id) }
            return out
        } catch {
            throw readable(error)
        }
    }
}
