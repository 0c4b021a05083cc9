import Logging

/// What a plugin factory receives: the whole config (plugins read their own options), a logger,
/// and for per-host plugins (virt drivers) the host they serve.
public struct PluginContext: Sendable {
    public var config: NimbusConfig
    public var logger: Logger
    public var host: String?

    public init(config: NimbusConfig, logger: Logger, host: String? = nil) {
        self.config = config
        self.logger = logger
        self.host = host
    }
}
