import Foundation
import Logging
import NimbusAPI
import NimbusCompute
import NimbusConductor
import NimbusIdentity
import NimbusImage
import NimbusMetadata
import MetadataDocuments
import NimbusKernel
import NeutronClient
import NimbusNetwork
import NimbusScheduler
import Synchronization

/// Options only the daemons' composition reads: where the store lives and the metrics endpoint.
public enum DaemonOptions {
    public static let databaseConnection = TypedOption<String>(
        "database", "connection", describedAs: "$state_path/nimbus.sqlite", help: "sqlite:///path or a path.",
        computed: { (CoreOptions.statePath.read($0) as NSString).appendingPathComponent("nimbus.sqlite") })
    public static let apiDatabaseConnection = TypedOption<String?>(
        "api_database", "connection", help: "Accepted for nova.conf compatibility; one store holds both.")
    public static let metricsListen = TypedOption<String>("metrics", "listen", default: "127.0.0.1")
    public static let metricsPort = TypedOption<Int?>(
        "metrics", "port", kind: .port, help: "Serve Prometheus /metrics here (scheduler, conductor, compute); unset: off.")

    public static let all: [ConfigOption] = ([
        databaseConnection, apiDatabaseConnection, metricsListen, metricsPort,
    ] as [any AnyTypedOption]).map(\.declaration)
}

extension NimbusRuntime {
    /// Every declared option: the kernel's and the registered plugins' (`registry.allOptions`) and each
    /// service's. The unknown-option check and `nimbus manage config show` use this one list.
    public static func declaredOptions(_ registry: PluginRegistry) -> [ConfigOption] {
        registry.allOptions + APIOptions.all + ComputeOptions.all + SchedulerOptions.all + IdentityOptions.all
            + ImageOptions.all + NetworkOptions.all + NeutronClientOptions.all + DaemonOptions.all + ConductorOptions.all
            + ConsoleOptions.all + MetadataOptions.all + ConfigDriveOptions.all
    }
}

/// The level loggers get when the logging system makes them: `NIMBUS_LOG_LEVEL` (default info), lowered to
/// debug by `[DEFAULT] debug = true` once the config is read (as oslo.log's `debug` does).
enum DaemonLogLevel {
    static let current = Mutex<Logger.Level>(.info)

    static func lower(to level: Logger.Level) {
        current.withLock { $0 = min($0, level) }
    }
}

extension NimbusRuntime {
    /// `[DEFAULT] debug = true`: this runtime's logger and every logger made from now on log at debug.
    static func raisedToDebug(_ logger: Logger) -> Logger {
        DaemonLogLevel.lower(to: .debug)
        var logger = logger
        logger.logLevel = min(logger.logLevel, .debug)
        return logger
    }
}
