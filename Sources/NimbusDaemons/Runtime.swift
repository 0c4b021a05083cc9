import Foundation
import Logging
import NimbusKernel
import NimbusStore

/// What every daemon starts from: validated config, the plugin registry, a logger, and helpers to open
/// the store and the transport the config names.
public struct NimbusRuntime: Sendable {
    public let config: NimbusConfig
    public let registry: PluginRegistry
    public let logger: Logger
    public let warnings: [String]

    /// Loads config files (later override earlier), `NIMBUS_SECTION__OPTION` environment variables and
    /// `--set section.option=value` overrides; fails on invalid values, duplicate or unknown plugins.
    public init(registry: PluginRegistry, configFiles: [String], overrides: [String: String] = [:],
                environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger) throws {
        try registry.validate()
        let config = try NimbusConfig(files: configFiles, environment: environment, overrides: overrides)
        let warnings = try config.validate(against: Self.declaredOptions(registry))
        for w in warnings { logger.warning("\(w)") }
        try registry.checkConfigured(config)
        self.config = config
        self.registry = registry
        self.logger = try CoreOptions.debug.read(config) ? Self.raisedToDebug(logger) : logger
        self.warnings = warnings
    }

    public var host: String {
        CoreOptions.host.read(config)
    }

    public var statePath: String { CoreOptions.statePath.read(config) }

    /// `[database] connection`, or `$state_path/nimbus.sqlite`.
    public func databasePath() throws -> String {
        try NimbusStore.path(fromConnection: DaemonOptions.databaseConnection.read(config))
    }

    public func openStore(migrate: Bool) throws -> NimbusStore {
        let store = try NimbusStore(path: try databasePath())
        if migrate {
            let applied = try store.migrate()
            if !applied.isEmpty { logger.info("database migrated", metadata: ["applied": "\(applied)"]) }
        }
        return store
    }

    public func makeTransport() throws -> any Transport {
        let url = CoreOptions.transportURL.read(config)
        return try registry.makeTransport(url: url, context: PluginContext(config: config, logger: logger))
    }
}
