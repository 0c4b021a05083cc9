extension CoreOptions {
    /// Nova's `[upgrade_levels]`: pin what callers send to an RPC API during a rolling upgrade (contract modules
    /// read them through NimbusRPC's `UpgradeLevels`). Unset or `auto`: the current version.
    public static let upgradeLevelCompute = TypedOption<String?>(
        "upgrade_levels", "compute", kind: .version, help: "Newest compute RPC API version to send (e.g. 6.0).")
    public static let upgradeLevelScheduler = TypedOption<String?>(
        "upgrade_levels", "scheduler", kind: .version, help: "Newest scheduler RPC API version to send (e.g. 4.5).")
    public static let upgradeLevelConductor = TypedOption<String?>(
        "upgrade_levels", "conductor", kind: .version, help: "Newest conductor RPC API version to send (e.g. 3.0).")
    public static let upgradeLevelComputeTask = TypedOption<String?>(
        "upgrade_levels", "compute_task", kind: .version,
        help: "Newest conductor compute_task RPC API version to send (e.g. 1.26).")

    /// The pin option of the RPC API named `api` (`compute`, `scheduler`, `conductor`, `compute_task`).
    public static func upgradeLevel(_ api: String) -> TypedOption<String?>? {
        [upgradeLevelCompute, upgradeLevelScheduler, upgradeLevelConductor, upgradeLevelComputeTask]
            .first { $0.declaration.name == api }
    }

    public static let upgradeLevels: [ConfigOption] = [
        upgradeLevelCompute, upgradeLevelScheduler, upgradeLevelConductor, upgradeLevelComputeTask,
    ].map(\.declaration)
}
