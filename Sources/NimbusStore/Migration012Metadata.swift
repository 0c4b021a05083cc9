import GRDB

extension Migrations {
    /// The metadata service and config drive: the password a guest posts once (Nova keeps it in
    /// system_metadata `password_0..3`; one row here), the instance's `config_drive` flag, and an index so a
    /// guest is found by its source address without scanning every allocation.
    static func metadata(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE instance_passwords (
                instance_uuid TEXT PRIMARY KEY NOT NULL REFERENCES instances(uuid) ON DELETE CASCADE,
                password TEXT NOT NULL,
                created_at REAL NOT NULL
            );
            ALTER TABLE instances ADD COLUMN config_drive INTEGER NOT NULL DEFAULT 0;
            CREATE INDEX ip_allocations_address ON ip_allocations(ip_address);
            """)
    }
}
