import NimbusKernel

/// Options of nova-compute: periodic tasks, concurrency, reserved resources and allocation ratios (Nova's
/// names and defaults; an unset `*_allocation_ratio` keeps the node's current one, else the `initial_` one).
public enum ComputeOptions {
    public static let updateResourcesInterval = TypedOption<Double>(
        "DEFAULT", "update_resources_interval", default: 60, help: "Seconds between resource reports.")
    public static let syncPowerStateInterval = TypedOption<Double>(
        "DEFAULT", "sync_power_state_interval", default: 600,
        help: "Seconds between power-state syncs with the driver.")
    public static let maxConcurrentBuilds = TypedOption<Int>("compute", "max_concurrent_builds", default: 10)
    public static let consecutiveBuildServiceDisableThreshold = TypedOption<Int>(
        "compute", "consecutive_build_service_disable_threshold", default: 10)
    public static let reservedHostMemoryMB = TypedOption<Int>("DEFAULT", "reserved_host_memory_mb", default: 512)
    public static let reservedHostCPUs = TypedOption<Int>("DEFAULT", "reserved_host_cpus", default: 0)
    public static let reservedHostDiskMB = TypedOption<Int>("DEFAULT", "reserved_host_disk_mb", default: 0)
    public static let cpuAllocationRatio = TypedOption<Double?>("DEFAULT", "cpu_allocation_ratio")
    public static let ramAllocationRatio = TypedOption<Double?>("DEFAULT", "ram_allocation_ratio")
    public static let diskAllocationRatio = TypedOption<Double?>("DEFAULT", "disk_allocation_ratio")
    public static let initialCPUAllocationRatio = TypedOption<Double>("DEFAULT", "initial_cpu_allocation_ratio",
                                                                      default: 4.0)
    public static let initialRAMAllocationRatio = TypedOption<Double>("DEFAULT", "initial_ram_allocation_ratio",
                                                                      default: 1.0)
    public static let initialDiskAllocationRatio = TypedOption<Double>("DEFAULT", "initial_disk_allocation_ratio",
                                                                       default: 1.0)

    /// Neutron's L2 agent option: how often the compute re-reads its ports' security groups and applies changed
    /// rules (it polls rather than hearing an RPC so an external Neutron, whose agents' RPC we do not speak,
    /// works the same way as the built-in one).
    public static let agentPollingInterval = TypedOption<Double>(
        "AGENT", "polling_interval", default: 2,
        help: "Seconds between checks of plugged ports' security-group rules.")

    public static let shelvedOffloadTime = TypedOption<Int>(
        "DEFAULT", "shelved_offload_time", default: 0,
        help: "Seconds a shelved server keeps its host before it is offloaded; 0: at once, < 0: never.")

    public static let all: [ConfigOption] = ([
        agentPollingInterval,
        updateResourcesInterval, syncPowerStateInterval, maxConcurrentBuilds, consecutiveBuildServiceDisableThreshold,
        reservedHostMemoryMB, reservedHostCPUs, reservedHostDiskMB, cpuAllocationRatio, ramAllocationRatio,
        diskAllocationRatio, initialCPUAllocationRatio, initialRAMAllocationRatio, initialDiskAllocationRatio,
        shelvedOffloadTime,
    ] as [any AnyTypedOption]).map(\.declaration)
}
