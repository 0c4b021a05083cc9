import GRDB

extension Migrations {
    /// What Nova keeps in a shelved instance's system_metadata (`shelved_image_id`, `shelved_at`, `shelved_host`):
    /// one row per shelved server, gone when it is unshelved (its snapshot image is deleted then) or deleted.
    static func instanceShelves(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE instance_shelves (
                instance_uuid TEXT PRIMARY KEY REFERENCES instances(uuid) ON DELETE CASCADE,
                image_id TEXT,
                shelved_at REAL NOT NULL,
                shelved_host TEXT
            );
            CREATE INDEX instance_shelves_image ON instance_shelves(image_id);
            """)
    }
}
