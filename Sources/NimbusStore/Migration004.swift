import GRDB

extension Migrations {
    /// What the compute API keeps beyond the core rows: server fields set through the API (lock, description,
    /// hostname, tags), keypairs, per-project quotas and private-flavor access.
    static func computeAPI(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE instances ADD COLUMN locked_by TEXT;
            ALTER TABLE instances ADD COLUMN locked_reason TEXT;
            ALTER TABLE instances ADD COLUMN description TEXT;
            ALTER TABLE instances ADD COLUMN hostname TEXT;
            ALTER TABLE instances ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
            CREATE TABLE key_pairs (
                user_id TEXT NOT NULL,
                name TEXT NOT NULL,
                type TEXT NOT NULL,
                public_key TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                created_at REAL NOT NULL,
                PRIMARY KEY (user_id, name)
            );
            CREATE TABLE quotas (
                project_id TEXT NOT NULL,
                resource TEXT NOT NULL,
                hard_limit INTEGER NOT NULL,
                PRIMARY KEY (project_id, resource)
            );
            CREATE TABLE flavor_projects (
                flavor_id TEXT NOT NULL REFERENCES flavors(id) ON DELETE CASCADE,
                project_id TEXT NOT NULL,
                PRIMARY KEY (flavor_id, project_id)
            );
            """)
    }
}
