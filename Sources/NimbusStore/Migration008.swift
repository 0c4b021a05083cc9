import GRDB

extension Migrations {
    /// The driver's capabilities and the `COMPUTE_*` traits they map to, per compute node (JSON arrays; NULL
    /// until the node's compute reports them, so the API knows when it cannot know).
    static func nodeCapabilities(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE compute_nodes ADD COLUMN capabilities TEXT;
            ALTER TABLE compute_nodes ADD COLUMN traits TEXT;
            """)
    }
}
