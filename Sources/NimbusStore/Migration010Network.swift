import GRDB

extension Migrations {
    /// The built-in Networking v2 (Neutron subset): networks, subnets, ports with their fixed IPs, security
    /// groups and rules. `ip_allocations` has one row per address in use, keyed by (subnet, address), so the
    /// database itself refuses a second port on an address; deleting a port frees its rows (cascade).
    static func networks(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE networks (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL DEFAULT '',
                project_id TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                admin_state_up INTEGER NOT NULL DEFAULT 1,
                shared INTEGER NOT NULL DEFAULT 0,
                router_external INTEGER NOT NULL DEFAULT 0,
                mtu INTEGER NOT NULL DEFAULT 1500,
                revision_number INTEGER NOT NULL DEFAULT 0,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            );
            CREATE INDEX networks_project ON networks(project_id);
            CREATE TABLE subnets (
                id TEXT PRIMARY KEY NOT NULL,
                network_id TEXT NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
                name TEXT NOT NULL DEFAULT '',
                project_id TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                ip_version INTEGER NOT NULL,
                cidr TEXT NOT NULL,
                gateway_ip TEXT,
                allocation_pools TEXT NOT NULL DEFAULT '[]',
                enable_dhcp INTEGER NOT NULL DEFAULT 1,
                dns_nameservers TEXT NOT NULL DEFAULT '[]',
                revision_number INTEGER NOT NULL DEFAULT 0,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            );
            CREATE INDEX subnets_network ON subnets(network_id);
            CREATE TABLE ports (
                id TEXT PRIMARY KEY NOT NULL,
                network_id TEXT NOT NULL REFERENCES networks(id),
                name TEXT NOT NULL DEFAULT '',
                project_id TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                mac_address TEXT NOT NULL,
                admin_state_up INTEGER NOT NULL DEFAULT 1,
                status TEXT NOT NULL DEFAULT 'DOWN',
                device_id TEXT NOT NULL DEFAULT '',
                device_owner TEXT NOT NULL DEFAULT '',
                binding_host_id TEXT NOT NULL DEFAULT '',
                binding_vif_type TEXT NOT NULL DEFAULT 'unbound',
                binding_vif_details TEXT NOT NULL DEFAULT '{}',
                binding_profile TEXT NOT NULL DEFAULT '{}',
                port_security_enabled INTEGER NOT NULL DEFAULT 1,
                security_groups TEXT NOT NULL DEFAULT '[]',
                revision_number INTEGER NOT NULL DEFAULT 0,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                UNIQUE (network_id, mac_address)
            );
            CREATE INDEX ports_network ON ports(network_id);
            CREATE INDEX ports_device ON ports(device_id);
            CREATE TABLE ip_allocations (
                subnet_id TEXT NOT NULL REFERENCES subnets(id),
                ip_address TEXT NOT NULL,
                port_id TEXT NOT NULL REFERENCES ports(id) ON DELETE CASCADE,
                network_id TEXT NOT NULL,
                position INTEGER NOT NULL,
                PRIMARY KEY (subnet_id, ip_address)
            );
            CREATE INDEX ip_allocations_port ON ip_allocations(port_id);
            CREATE TABLE security_groups (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                project_id TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                stateful INTEGER NOT NULL DEFAULT 1,
                revision_number INTEGER NOT NULL DEFAULT 0,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            );
            CREATE INDEX security_groups_project ON security_groups(project_id);
            -- One `default` group per project, even when two first requests race to create it.
            CREATE UNIQUE INDEX security_groups_default ON security_groups(project_id) WHERE name = 'default';
            CREATE TABLE security_group_rules (
                id TEXT PRIMARY KEY NOT NULL,
                security_group_id TEXT NOT NULL REFERENCES security_groups(id) ON DELETE CASCADE,
                project_id TEXT NOT NULL,
                direction TEXT NOT NULL,
                ethertype TEXT NOT NULL,
                protocol TEXT,
                port_range_min INTEGER,
                port_range_max INTEGER,
                remote_ip_prefix TEXT,
                remote_group_id TEXT,
                description TEXT NOT NULL DEFAULT '',
                revision_number INTEGER NOT NULL DEFAULT 0,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            );
            CREATE INDEX security_group_rules_group ON security_group_rules(security_group_id);
            -- Nova's instance info cache: the server's VIFs as Neutron last described them (a JSON list).
            CREATE TABLE instance_info_caches (
                instance_uuid TEXT PRIMARY KEY NOT NULL REFERENCES instances(uuid) ON DELETE CASCADE,
                network_info TEXT NOT NULL DEFAULT '[]',
                updated_at REAL NOT NULL
            );
            """)
    }
}
