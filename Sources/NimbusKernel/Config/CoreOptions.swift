import Foundation

/// The kernel's options (those the registry, every daemon or every plugin may read), with Nova's names and
/// defaults. Services declare theirs in their own module (`APIOptions`, `ComputeOptions`, `IdentityOptions` …).
public enum CoreOptions {
    public static let host = TypedOption<String>(
        "DEFAULT", "host", describedAs: "the machine's hostname", help: "Name of this node.",
        computed: { _ in ProcessInfo.processInfo.hostName })
    public static let statePath = TypedOption<String>("DEFAULT", "state_path", default: "./state",
                                                      help: "Top-level directory for state.")
    public static let computeDriver = TypedOption<String>("DEFAULT", "compute_driver", default: "fake.FakeDriver",
                                                          help: "The virt driver computes use.")
    public static let networkBackend = TypedOption<String>(
        "network", "backend", describedAs: "linuxbridge with a libvirt compute_driver, else fake",
        help: "The network backend computes plug ports with (bridge, DHCP, firewall).",
        computed: { computeDriver.read($0).hasPrefix("libvirt") ? "linuxbridge" : "fake" })
    public static let reportInterval = TypedOption<Double>("DEFAULT", "report_interval", default: 10,
                                                           help: "Seconds between service heartbeats.")
    public static let serviceDownTime = TypedOption<Double>(
        "DEFAULT", "service_down_time", default: 60,
        help: "Seconds without a heartbeat before a service is down (at least 2.5 x report_interval).")
    public static let transportURL = TypedOption<String>("DEFAULT", "transport_url", default: "inprocess://",
                                                         help: "RPC transport: inprocess:// or zmq://host:port.")
    public static let rpcResponseTimeout = TypedOption<Double>("DEFAULT", "rpc_response_timeout", default: 60,
                                                               help: "Seconds an RPC call waits for its reply.")
    public static let debug = TypedOption<Bool>("DEFAULT", "debug", default: false,
                                                help: "Log at debug level (NIMBUS_LOG_LEVEL may lower it to trace).")
    public static let enabledFilters = TypedOption<[String]>(
        "filter_scheduler", "enabled_filters",
        default: ["ComputeFilter", "ComputeCapabilitiesFilter", "ImagePropertiesFilter",
                  "ServerGroupAntiAffinityFilter", "ServerGroupAffinityFilter"],
        help: "Filters the scheduler runs, in order (Nova 34's default).")
    public static let availableFilters = TypedOption<[String]?>(
        "filter_scheduler", "available_filters", help: "Accepted for nova.conf compatibility: every registered filter is available.")
    public static let weightClasses = TypedOption<[String]?>(
        "filter_scheduler", "weight_classes", help: "Weighers to use; unset means every registered one.")
    public static let maxAttempts = TypedOption<Int>("scheduler", "max_attempts", default: 3,
                                                     help: "Hosts tried per instance (the first plus reschedules).")

    /// `[metrics] weight_setting`: read by MetricsFilter and MetricsWeigher, which live in different plugin
    /// modules, so the kernel declares it once for both.
    public static let metricsWeightSetting = TypedOption<[String]?>(
        "metrics", "weight_setting", help: "name=ratio pairs, e.g. cpu.percent=-1.0")

    /// Read by the API (delete becomes soft delete) and the conductor (which reclaims), so a kernel option.
    public static let reclaimInstanceInterval = TypedOption<Int>(
        "DEFAULT", "reclaim_instance_interval", default: 0,
        help: "Seconds a deleted server stays SOFT_DELETED (restorable) before it is reclaimed; 0: delete at once.")

    public static let typed: [any AnyTypedOption] = [
        host, statePath, computeDriver, networkBackend, reportInterval, serviceDownTime, transportURL, rpcResponseTimeout, debug,
        enabledFilters, availableFilters, weightClasses, maxAttempts, reclaimInstanceInterval,
    ]
    public static let all: [ConfigOption] = typed.map(\.declaration) + upgradeLevels
}

extension CoreOptions {
    /// Nova 34's default `enabled_filters` (from the declaration).
    public static var novaDefaultFilters: [String] { enabledFilters.staticDefault ?? [] }
    /// Filters enabled when config sets none: Nova's defaults.
    public static var defaultFilters: [String] { novaDefaultFilters }
}
