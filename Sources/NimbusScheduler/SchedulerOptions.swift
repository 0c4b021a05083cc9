import NimbusKernel

/// Options only the scheduler reads (the filter and weigher lists are the kernel's: the registry checks them).
public enum SchedulerOptions {
    public static let hostSubsetSize = TypedOption<Int>(
        "filter_scheduler", "host_subset_size", default: 1,
        help: "Pick at random among this many best-weighed hosts (spreads concurrent schedulers).")
    public static let shuffleBestSameWeighedHosts = TypedOption<Bool>(
        "filter_scheduler", "shuffle_best_same_weighed_hosts", default: false)
    public static let pciAlias = TypedOption<String?>(
        "pci", "alias", help: "JSON object or list of objects: name, vendor_id, product_id, device_type.")
    public static let workers = TypedOption<Int?>(
        "scheduler", "workers", help: "Accepted for nova.conf compatibility; run several `nimbus scheduler` instead.")

    public static let all: [ConfigOption] = ([
        hostSubsetSize, shuffleBestSameWeighedHosts, pciAlias, workers,
    ] as [any AnyTypedOption]).map(\.declaration)
}
