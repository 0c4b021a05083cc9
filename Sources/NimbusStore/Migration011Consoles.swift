import GRDB

extension Migrations {
    /// Nova's `console_auth_tokens`: only the SHA-256 of a token is kept. Triggers drop an instance's tokens
    /// when it is deleted (soft or hard) or moves to another host, as Nova's `_complete_deletion` and
    /// `_clean_instance_console_tokens` do, whichever code path changes the row.
    static func consoleAuthTokens(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE console_auth_tokens (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                token_hash TEXT NOT NULL UNIQUE,
                console_type TEXT NOT NULL,
                host TEXT NOT NULL,
                port INTEGER NOT NULL,
                tls_port INTEGER,
                internal_access_path TEXT,
                instance_uuid TEXT NOT NULL REFERENCES instances(uuid) ON DELETE CASCADE,
                access_url_base TEXT NOT NULL,
                expires INTEGER NOT NULL,
                created_at REAL NOT NULL,
                updated_at REAL
            );
            CREATE INDEX console_auth_tokens_instance ON console_auth_tokens(instance_uuid);
            CREATE INDEX console_auth_tokens_expires ON console_auth_tokens(expires);
            CREATE TRIGGER console_auth_tokens_instance_gone AFTER UPDATE OF deleted, host ON instances
            WHEN NEW.deleted != 0 OR NEW.host IS NOT OLD.host
            BEGIN
                DELETE FROM console_auth_tokens WHERE instance_uuid = NEW.uuid;
            END;
            """)
    }
}
