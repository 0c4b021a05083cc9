import GRDB

extension Migrations {
    /// The built-in identity (Keystone's tables, trimmed to what we serve) and image registry (Glance's).
    static func identityAndImages(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE identity_domains (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL UNIQUE,
                description TEXT NOT NULL DEFAULT '',
                enabled INTEGER NOT NULL DEFAULT 1,
                created_at REAL NOT NULL
            );
            INSERT INTO identity_domains (id, name, description, enabled, created_at)
              VALUES ('default', 'Default', 'The default domain', 1, strftime('%s', 'now'));
            CREATE TABLE identity_projects (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                domain_id TEXT NOT NULL REFERENCES identity_domains(id),
                description TEXT NOT NULL DEFAULT '',
                enabled INTEGER NOT NULL DEFAULT 1,
                created_at REAL NOT NULL,
                UNIQUE (domain_id, name)
            );
            CREATE TABLE identity_users (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                domain_id TEXT NOT NULL REFERENCES identity_domains(id),
                password_hash TEXT,
                default_project_id TEXT,
                email TEXT,
                description TEXT,
                enabled INTEGER NOT NULL DEFAULT 1,
                created_at REAL NOT NULL,
                password_changed_at REAL,
                UNIQUE (domain_id, name)
            );
            CREATE TABLE identity_roles (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL UNIQUE,
                description TEXT,
                created_at REAL NOT NULL
            );
            CREATE TABLE identity_implied_roles (
                prior_role_id TEXT NOT NULL REFERENCES identity_roles(id) ON DELETE CASCADE,
                implied_role_id TEXT NOT NULL REFERENCES identity_roles(id) ON DELETE CASCADE,
                PRIMARY KEY (prior_role_id, implied_role_id)
            );
            -- target_type: 'project' or 'domain'; actor: a user (no groups).
            CREATE TABLE identity_role_assignments (
                user_id TEXT NOT NULL REFERENCES identity_users(id) ON DELETE CASCADE,
                target_type TEXT NOT NULL,
                target_id TEXT NOT NULL,
                role_id TEXT NOT NULL REFERENCES identity_roles(id) ON DELETE CASCADE,
                PRIMARY KEY (user_id, target_type, target_id, role_id)
            );
            CREATE INDEX identity_role_assignments_target ON identity_role_assignments(target_type, target_id);
            -- Revoked tokens by audit id until they would have expired anyway.
            CREATE TABLE identity_revocations (
                audit_id TEXT PRIMARY KEY NOT NULL,
                expires_at REAL NOT NULL
            );
            CREATE TABLE identity_services (
                id TEXT PRIMARY KEY NOT NULL,
                type TEXT NOT NULL,
                name TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                enabled INTEGER NOT NULL DEFAULT 1
            );
            CREATE TABLE identity_endpoints (
                id TEXT PRIMARY KEY NOT NULL,
                service_id TEXT NOT NULL REFERENCES identity_services(id) ON DELETE CASCADE,
                interface TEXT NOT NULL,
                region TEXT NOT NULL,
                url TEXT NOT NULL,
                enabled INTEGER NOT NULL DEFAULT 1,
                UNIQUE (service_id, interface, region)
            );
            CREATE TABLE images (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT,
                status TEXT NOT NULL,
                visibility TEXT NOT NULL,
                protected INTEGER NOT NULL DEFAULT 0,
                os_hidden INTEGER NOT NULL DEFAULT 0,
                owner TEXT,
                disk_format TEXT,
                container_format TEXT,
                min_disk INTEGER NOT NULL DEFAULT 0,
                min_ram INTEGER NOT NULL DEFAULT 0,
                size INTEGER,
                virtual_size INTEGER,
                checksum TEXT,
                os_hash_algo TEXT,
                os_hash_value TEXT,
                tags TEXT NOT NULL DEFAULT '[]',
                properties TEXT NOT NULL DEFAULT '{}',
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            );
            CREATE INDEX images_listing ON images(created_at, id);
            """)
    }
}
