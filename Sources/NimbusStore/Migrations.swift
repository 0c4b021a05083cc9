import GRDB

/// Versioned schema migrations (`nimbus manage db sync`). Never edit a shipped migration: add one.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("001_initial") { db in
            try db.execute(sql: """
                CREATE TABLE services (
                    uuid TEXT PRIMARY KEY NOT NULL,
                    host TEXT NOT NULL,
                    binary TEXT NOT NULL,
                    topic TEXT NOT NULL,
                    report_count INTEGER NOT NULL DEFAULT 0,
                    disabled INTEGER NOT NULL DEFAULT 0,
                    disabled_reason TEXT,
                    forced_down INTEGER NOT NULL DEFAULT 0,
                    last_seen_up REAL,
                    created_at REAL NOT NULL,
                    updated_at REAL,
                    rpc_endpoint TEXT,
                    rpc_public_key TEXT,
                    UNIQUE (host, binary)
                );
                CREATE TABLE compute_nodes (
                    uuid TEXT PRIMARY KEY NOT NULL,
                    host TEXT NOT NULL,
                    hypervisor_hostname TEXT NOT NULL UNIQUE,
                    vcpus INTEGER NOT NULL, memory_mb INTEGER NOT NULL, local_gb INTEGER NOT NULL,
                    hypervisor_type TEXT NOT NULL, hypervisor_version INTEGER NOT NULL,
                    host_ip TEXT NOT NULL, cpu_info TEXT NOT NULL, supported_instances TEXT NOT NULL,
                    reserved_vcpus INTEGER NOT NULL DEFAULT 0,
                    reserved_memory_mb INTEGER NOT NULL DEFAULT 0,
                    reserved_disk_gb INTEGER NOT NULL DEFAULT 0,
                    cpu_allocation_ratio REAL NOT NULL, ram_allocation_ratio REAL NOT NULL,
                    disk_allocation_ratio REAL NOT NULL,
                    vcpus_used INTEGER NOT NULL DEFAULT 0,
                    memory_mb_used INTEGER NOT NULL DEFAULT 0,
                    local_gb_used INTEGER NOT NULL DEFAULT 0,
                    failed_builds INTEGER NOT NULL DEFAULT 0,
                    generation INTEGER NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL,
                    updated_at REAL
                );
                CREATE INDEX compute_nodes_host ON compute_nodes(host);
                CREATE TABLE flavors (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL UNIQUE,
                    memory_mb INTEGER NOT NULL, vcpus INTEGER NOT NULL, root_gb INTEGER NOT NULL,
                    ephemeral_gb INTEGER NOT NULL DEFAULT 0, swap INTEGER NOT NULL DEFAULT 0,
                    rxtx_factor REAL NOT NULL DEFAULT 1.0,
                    is_public INTEGER NOT NULL DEFAULT 1, disabled INTEGER NOT NULL DEFAULT 0,
                    description TEXT, extra_specs TEXT NOT NULL DEFAULT '{}',
                    created_at REAL NOT NULL
                );
                CREATE TABLE instances (
                    uuid TEXT PRIMARY KEY NOT NULL,
                    display_name TEXT NOT NULL,
                    project_id TEXT NOT NULL, user_id TEXT NOT NULL,
                    flavor TEXT NOT NULL,
                    image_ref TEXT NOT NULL,
                    vm_state TEXT NOT NULL, task_state TEXT, power_state INTEGER NOT NULL,
                    host TEXT, node TEXT, availability_zone TEXT,
                    reservation_id TEXT NOT NULL, launch_index INTEGER NOT NULL,
                    key_name TEXT, metadata TEXT NOT NULL DEFAULT '{}', user_data TEXT,
                    created_at REAL NOT NULL, updated_at REAL, launched_at REAL, terminated_at REAL,
                    deleted_at REAL,
                    deleted INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX instances_project ON instances(deleted, project_id, created_at);
                CREATE INDEX instances_host ON instances(deleted, host);
                CREATE TABLE request_specs (
                    instance_uuid TEXT PRIMARY KEY NOT NULL REFERENCES instances(uuid) ON DELETE CASCADE,
                    spec TEXT NOT NULL
                );
                CREATE TABLE instance_faults (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    instance_uuid TEXT NOT NULL REFERENCES instances(uuid) ON DELETE CASCADE,
                    code INTEGER NOT NULL, message TEXT NOT NULL, details TEXT NOT NULL, host TEXT,
                    created_at REAL NOT NULL
                );
                CREATE INDEX instance_faults_instance ON instance_faults(instance_uuid);
                CREATE TABLE instance_actions (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    instance_uuid TEXT NOT NULL REFERENCES instances(uuid) ON DELETE CASCADE,
                    action TEXT NOT NULL, request_id TEXT NOT NULL,
                    user_id TEXT, project_id TEXT,
                    start_time REAL NOT NULL, finish_time REAL, message TEXT,
                    UNIQUE (instance_uuid, request_id)
                );
                CREATE TABLE instance_action_events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    action_id INTEGER NOT NULL REFERENCES instance_actions(id) ON DELETE CASCADE,
                    event TEXT NOT NULL, start_time REAL NOT NULL, finish_time REAL,
                    result TEXT, traceback TEXT, host TEXT
                );
                CREATE INDEX instance_action_events_action ON instance_action_events(action_id);
                CREATE TABLE allocations (
                    consumer_uuid TEXT NOT NULL,
                    node_uuid TEXT NOT NULL REFERENCES compute_nodes(uuid),
                    vcpus INTEGER NOT NULL, memory_mb INTEGER NOT NULL, disk_gb INTEGER NOT NULL,
                    project_id TEXT, user_id TEXT,
                    created_at REAL NOT NULL,
                    PRIMARY KEY (consumer_uuid, node_uuid)
                );
                CREATE INDEX allocations_node ON allocations(node_uuid);
                """)
        }
        m.registerMigration("002_aggregates_server_groups", migrate: aggregatesAndServerGroups)
        m.registerMigration("003_identity_images", migrate: identityAndImages)
        m.registerMigration("004_compute_api", migrate: computeAPI)
        m.registerMigration("005_scheduler_change_tracking", migrate: schedulerChangeTracking)
        m.registerMigration("006_access_ips_quota_classes", migrate: accessIPsAndQuotaClasses)
        m.registerMigration("007_build_ownership", migrate: buildOwnership)
        m.registerMigration("008_node_capabilities", migrate: nodeCapabilities)
        m.registerMigration("009_migrations", migrate: lifecycle)
        m.registerMigration("010_networks", migrate: networks)
        m.registerMigration("011_console_auth_tokens", migrate: consoleAuthTokens)
        m.registerMigration("012_metadata", migrate: metadata)
        m.registerMigration("013_lifecycle", migrate: instanceShelves)
        return m
    }
}
