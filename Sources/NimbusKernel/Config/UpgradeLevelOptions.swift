extension CoreOptions {
    /// Nova's `[upgrade_levels]`: pin what callers send to an RPC API during a rolling upgrade (contract modules
    /// read them through NimbusRPC's `UpgradeLevels`). Unset or `auto`: the current version.
    public static let upgradeLevels: [ConfigOption] = [
        .init("upgrade_levels", "compute", .version, help: "Newest compute RPC API version to send (e.g. 6.0)."),
        .init("upgrade_levels", "scheduler", .version, help: "Newest scheduler RPC API version to send (e.g. 4.5)."),
        .init("upgrade_levels", "conductor", .version, help: "Newest conductor RPC API version to send (e.g. 3.0)."),
        .init("upgrade_levels", "compute_task", .version,
              help: "Newest conductor compute_task RPC API version to send (e.g. 1.26)."),
    ]
}
