/// The options the kernel and services read, with Nova's names and defaults.
public enum CoreOptions {
    public static let all: [ConfigOption] = [
        .init("DEFAULT", "host", .string, help: "Name of this node (defaults to the machine's hostname)."),
        .init("DEFAULT", "state_path", .string, default: "./state", help: "Top-level directory for state."),
        .init("DEFAULT", "compute_driver", .string, default: "fake.FakeDriver"),
        .init("DEFAULT", "report_interval", .float, default: "10"),
        .init("DEFAULT", "service_down_time", .float, default: "60"),
        .init("DEFAULT", "transport_url", .string, default: "inprocess://"),
        .init("DEFAULT", "rpc_response_timeout", .float, default: "60"),
        .init("DEFAULT", "osapi_compute_listen", .string, default: "127.0.0.1"),
        .init("DEFAULT", "osapi_compute_listen_port", .port, default: "8774"),
        .init("DEFAULT", "initial_cpu_allocation_ratio", .float, default: "4.0"),
        .init("DEFAULT", "initial_ram_allocation_ratio", .float, default: "1.0"),
        .init("DEFAULT", "initial_disk_allocation_ratio", .float, default: "1.0"),
        .init("DEFAULT", "cpu_allocation_ratio", .float),
        .init("DEFAULT", "ram_allocation_ratio", .float),
        .init("DEFAULT", "disk_allocation_ratio", .float),
        .init("DEFAULT", "reserved_host_memory_mb", .int, default: "512"),
        .init("DEFAULT", "reserved_host_cpus", .int, default: "0"),
        .init("DEFAULT", "reserved_host_disk_mb", .int, default: "0"),
        .init("DEFAULT", "default_availability_zone", .string, default: "nova"),
        .init("DEFAULT", "internal_service_availability_zone", .string, default: "internal"),
        .init("DEFAULT", "debug", .bool, default: "false"),
        .init("database", "connection", .string, help: "sqlite:///path or a path; default $state_path/nimbus.sqlite"),
        .init("api_database", "connection", .string),
        .init("filter_scheduler", "enabled_filters", .list,
              default: "ComputeFilter,ComputeCapabilitiesFilter,ImagePropertiesFilter,"
                + "ServerGroupAntiAffinityFilter,ServerGroupAffinityFilter"),
        .init("filter_scheduler", "available_filters", .list),
        .init("filter_scheduler", "weight_classes", .list, help: "Weighers to use; empty means every registered one."),
        .init("filter_scheduler", "host_subset_size", .int, default: "1"),
        .init("filter_scheduler", "shuffle_best_same_weighed_hosts", .bool, default: "false"),
        .init("scheduler", "max_attempts", .int, default: "3"),
        .init("pci", "alias", .string, help: "JSON object or list of objects: name, vendor_id, product_id, device_type."),
        .init("scheduler", "workers", .int),
        .init("api", "max_limit", .int, default: "1000"),
        .init("api", "max_instances_per_request", .int, default: "1000",
              help: "Most servers one create request may ask for (max_count is capped to it; a larger min_count is 400)."),
        .init("api", "auth_strategy", .choice(["noauth2", "keystone"]), default: "keystone",
              help: "keystone (Nova's default): X-Auth-Token from the built-in or an external Keystone; noauth2: every caller is admin."),
        .init("compute", "max_concurrent_builds", .int, default: "10"),
        .init("DEFAULT", "update_resources_interval", .float, default: "60"),
        .init("DEFAULT", "sync_power_state_interval", .float, default: "600"),
        .init("metrics", "listen", .string, default: "127.0.0.1"),
        .init("metrics", "port", .port, help: "Serve Prometheus /metrics here (scheduler, conductor, compute); unset: off."),
        .init("compute", "consecutive_build_service_disable_threshold", .int, default: "10"),
    ] + quotaDefaults.map { .init("quota", $0.0, .int, default: String($0.1), help: "Default per-project limit; -1 = unlimited.") }
        + upgradeLevels

    /// Nova's `[quota]` defaults (the API enforces them; `os-quota-sets` overrides per project).
    public static let quotaDefaults: [(String, Int)] = [
        ("instances", 10), ("cores", 20), ("ram", 51200), ("metadata_items", 128), ("key_pairs", 100),
        ("server_groups", 10), ("server_group_members", 10),
    ]
}

extension CoreOptions {
    /// Nova 34's default `enabled_filters`.
    public static let novaDefaultFilters = [
        "ComputeFilter", "ComputeCapabilitiesFilter", "ImagePropertiesFilter", "ServerGroupAntiAffinityFilter",
        "ServerGroupAffinityFilter",
    ]
    /// Filters enabled when config sets none: Nova's defaults.
    public static let defaultFilters = novaDefaultFilters
}
