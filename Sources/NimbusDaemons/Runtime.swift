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
        if postgresConnection != nil { throw Self.postgresNotYet }
        try secureStateDirectory()
        let store = try NimbusStore(path: try databasePath())
        if migrate {
            let applied = try store.migrate()
            if !applied.isEmpty { logger.info("database migrated", metadata: ["applied": "\(applied)"]) }
        }
        return store
    }

    /// `state_path` holds the database, token and CURVE keys: nobody else may list or write it (0711; the files
    /// in it are 0600). Others keep the right to traverse it: libvirt's QEMU user opens the image cache in it,
    /// as in Nova's /var/lib/nova. Created so when missing; an existing one readable or writable by others is
    /// tightened, unless it is a shared sticky directory such as /tmp (then it is not ours).
    func secureStateDirectory() throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: statePath, isDirectory: &isDir) else {
            try fm.createDirectory(atPath: statePath, withIntermediateDirectories: true,
                                   attributes: [.posixPermissions: 0o711])
            return
        }
        guard isDir.boolValue, let mode = (try fm.attributesOfItem(atPath: statePath)[.posixPermissions] as? NSNumber)?.intValue,
              mode & 0o1000 == 0, mode & 0o066 != 0 else { return }
        try fm.setAttributes([.posixPermissions: mode & ~0o066], ofItemAtPath: statePath)
        logger.warning("state_path \(statePath) was readable by others; now 0\(String(mode & ~0o066, radix: 8))")
    }

    public func makeTransport() throws -> any Transport {
        let url = CoreOptions.transportURL.read(config)
        return try registry.makeTransport(url: url, context: PluginContext(config: config, logger: logger))
    }
}
