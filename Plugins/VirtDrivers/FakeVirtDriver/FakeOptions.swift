import NimbusKernel

/// `[fake]` options; a per-host section (`[fake:host1] vcpus = 4`) overrides the shared one where noted.
enum FakeOptions {
    static let vcpus = TypedOption<Int>("fake", "vcpus", default: 16, help: "vCPUs of every fake host (per host too).")
    static let memoryMB = TypedOption<Int>("fake", "memory_mb", default: 32768,
                                           help: "Memory of every fake host (per host too).")
    static let localGB = TypedOption<Int>("fake", "local_gb", default: 1024, help: "Disk of every fake host (per host too).")
    static let failSpawnHosts = TypedOption<[String]?>("fake", "fail_spawn_hosts", help: "Hosts on which every spawn fails.")
    static let failSnapshotHosts = TypedOption<[String]?>("fake", "fail_snapshot_hosts",
                                                          help: "Hosts on which every snapshot fails.")
    static let spawnLatencyMS = TypedOption<Int>("fake", "spawn_latency_ms", default: 0,
                                                 help: "Added to every spawn (per host too).")
    static let liveMigrationMS = TypedOption<Int>(
        "fake", "live_migration_ms", default: 0,
        help: "How long a live migration copies before it converges (per host too); force_complete ends it at once.")
    static let hypervisorVersion = TypedOption<Int>("fake", "hypervisor_version", default: 1000)
    static let numaNodes = TypedOption<Int>("fake", "numa_nodes", default: 0,
                                            help: "Report this many NUMA cells (0: no topology; per host too).")
    static let pciDevices = TypedOption<[String]?>(
        "fake", "pci_devices", help: "PCI pools to report: vendor_id:product_id:count[:numa_node] (per host too).")
    static let metrics = TypedOption<[String]?>("fake", "metrics",
                                                help: "Monitor metrics to report: name=value (per host too).")
    static let fetchImages = TypedOption<Bool>(
        "fake", "fetch_images", default: false,
        help: "Have the compute fetch image bytes before spawn, as for a real hypervisor (the guest's console "
            + "then shows their size).")

    static let all: [ConfigOption] = ([
        vcpus, memoryMB, localGB, failSpawnHosts, spawnLatencyMS, hypervisorVersion, numaNodes, pciDevices, metrics,
        fetchImages, failSnapshotHosts, liveMigrationMS,
    ] as [any AnyTypedOption]).map(\.declaration)
}
