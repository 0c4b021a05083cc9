import GRDB

extension Migrations {
    /// Aggregates (AZs are aggregate metadata), server groups with members, and the NUMA / PCI / metrics
    /// inventory compute nodes may report (nullable JSON columns; null = not reported).
    static func aggregatesAndServerGroups(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE aggregates (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                uuid TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL UNIQUE,
                created_at REAL NOT NULL,
                updated_at REAL
            );
            CREATE TABLE aggregate_hosts (
                aggregate_id INTEGER NOT NULL REFERENCES aggregates(id) ON DELETE CASCADE,
                host TEXT NOT NULL,
                PRIMARY KEY (aggregate_id, host)
            );
            CREATE INDEX aggregate_hosts_host ON aggregate_hosts(host);
            CREATE TABLE aggregate_metadata (
                aggregate_id INTEGER NOT NULL REFERENCES aggregates(id) ON DELETE CASCADE,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY (aggregate_id, key)
            );
            CREATE TABLE instance_groups (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                uuid TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                project_id TEXT NOT NULL,
                user_id TEXT NOT NULL,
                policy TEXT NOT NULL,
                rules TEXT NOT NULL DEFAULT '{}',
                created_at REAL NOT NULL
            );
            CREATE INDEX instance_groups_project ON instance_groups(project_id);
            CREATE TABLE instance_group_members (
                group_id INTEGER NOT NULL REFERENCES instance_groups(id) ON DELETE CASCADE,
                instance_uuid TEXT NOT NULL,
                created_at REAL NOT NULL,
                PRIMARY KEY (group_id, instance_uuid)
            );
            CREATE INDEX instance_group_members_instance ON instance_group_members(instance_uuid);
            ALTER TABLE compute_nodes ADD COLUMN numa_topology TEXT;
            ALTER TABLE compute_nodes ADD COLUMN pci_pools TEXT;
            ALTER TABLE compute_nodes ADD COLUMN metrics TEXT;
            """)
    }
}
