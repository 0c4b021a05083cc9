import GRDB

extension Migrations {
    /// Who drives each build that has not reached a host yet, so a build whose driver died (conductor or compute
    /// killed) is failed instead of staying in BUILD: `instances.build_owner` is `conductor:<incarnation>` while a
    /// conductor schedules it, `compute:<host>` once cast to a compute, NULL while a cast to the conductor topic is
    /// in flight; `build_owner_since` is when that last changed. `conductor_incarnations` has one row per conductor process, heartbeated, so a restarted
    /// conductor (same host, same service row) is a new owner and its predecessor's builds are recognisably orphaned.
    static func buildOwnership(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE instances ADD COLUMN build_owner TEXT;
            ALTER TABLE instances ADD COLUMN build_owner_since REAL;
            CREATE INDEX instances_vm_state ON instances(deleted, vm_state);
            CREATE TABLE conductor_incarnations (
                id TEXT PRIMARY KEY,
                host TEXT NOT NULL,
                started_at REAL NOT NULL,
                last_seen_up REAL NOT NULL
            );
            """)
    }
}
