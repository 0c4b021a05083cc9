import GRDB

extension Migrations {
    /// Nova's `migrations` table (resize and cold migrate; the later move kinds use the same rows). The flavors
    /// are kept whole (JSON) so a revert restores exactly what the server had.
    static func lifecycle(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE migrations (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                uuid TEXT NOT NULL UNIQUE,
                instance_uuid TEXT NOT NULL,
                migration_type TEXT NOT NULL,
                status TEXT NOT NULL,
                source_compute TEXT NOT NULL, source_node TEXT NOT NULL,
                dest_compute TEXT, dest_node TEXT, dest_host TEXT,
                old_flavor TEXT NOT NULL, new_flavor TEXT NOT NULL,
                old_vm_state TEXT NOT NULL,
                project_id TEXT NOT NULL, user_id TEXT NOT NULL,
                created_at REAL NOT NULL, updated_at REAL
            );
            CREATE INDEX migrations_instance ON migrations(instance_uuid);
            CREATE INDEX migrations_status ON migrations(status);
            """)
    }
}
