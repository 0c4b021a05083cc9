import GRDB

extension Migrations {
    /// A server's access IPs (Nova's `access_ip_v4` / `access_ip_v6`, set on create and `PUT /servers/{id}`) and
    /// the quota classes (`os-quota-class-sets`): the `default` class's limits are what projects without an
    /// override get.
    static func accessIPsAndQuotaClasses(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE instances ADD COLUMN access_ip_v4 TEXT;
            ALTER TABLE instances ADD COLUMN access_ip_v6 TEXT;
            CREATE TABLE quota_classes (
                class_name TEXT NOT NULL,
                resource TEXT NOT NULL,
                hard_limit INTEGER NOT NULL,
                PRIMARY KEY (class_name, resource)
            );
            """)
    }
}
