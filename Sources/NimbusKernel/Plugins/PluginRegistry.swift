/// The five plugin kinds.
public enum PluginKind: String, Sendable, Hashable, CaseIterable {
    case filter = "host filter"
    case weigher = "host weigher"
    case virtDriver = "virt driver"
    case transport = "transport"
    case networkBackend = "network backend"
}

public enum PluginError: Error, Sendable, Hashable, CustomStringConvertible {
    case duplicate(kind: PluginKind, name: String)
    case unknown(kind: PluginKind, name: String, option: String, known: [String])
    case noTransportForURL(String, known: [String])

    public var description: String {
        switch self {
        case .duplicate(let kind, let name):
            "\(kind.rawValue) '\(name)' is registered twice; plugin names must be unique"
        case .unknown(let kind, let name, let option, let known):
            "\(option) names unknown \(kind.rawValue) '\(name)'; known: \(known.sorted().joined(separator: ", "))"
        case .noTransportForURL(let url, let known):
            "no transport serves transport_url '\(url)'; known schemes: \(known.sorted().joined(separator: ", "))"
        }
    }
}

/// Build-time plugin registry: name → factory, per kind (the Kubernetes scheduler's in-tree registry
/// plus `WithPlugin`-style composition). Registered is not enabled: config picks plugins by name.
public struct PluginRegistry: Sendable {
    public struct Entry<P>: Sendable {
        public let name: String
        public let options: [ConfigOption]
        public let make: @Sendable (PluginContext) throws -> P
    }

    public struct TransportEntry: Sendable {
        public let name: String
        public let schemes: [String]
        public let options: [ConfigOption]
        public let adminCommands: [TransportAdminCommand]
        public let make: @Sendable (PluginContext) throws -> any Transport
    }

    public private(set) var filters: [String: Entry<any HostFilter>] = [:]
    public private(set) var weighers: [String: Entry<any HostWeigher>] = [:]
    public private(set) var virtDrivers: [String: Entry<any VirtDriver>] = [:]
    public private(set) var transports: [String: TransportEntry] = [:]
    public private(set) var networkBackends: [String: Entry<any NetworkBackend>] = [:]
    /// Insertion order of weighers, so "all weighers" has a stable order.
    public private(set) var weigherOrder: [String] = []
    /// Duplicates seen by the non-throwing `registering` chain; `validate()` reports them at startup.
    public private(set) var duplicates: [PluginError] = []

    public init() {}

    // MARK: registration

    public mutating func register<F: HostFilter>(filter: F.Type) throws(PluginError) {
        guard filters[F.name] == nil else { throw .duplicate(kind: .filter, name: F.name) }
        filters[F.name] = Entry(name: F.name, options: F.configOptions, make: { try F(context: $0) })
    }

    public mutating func register<W: HostWeigher>(weigher: W.Type) throws(PluginError) {
        guard weighers[W.name] == nil else { throw .duplicate(kind: .weigher, name: W.name) }
        weighers[W.name] = Entry(name: W.name, options: W.configOptions, make: { try W(context: $0) })
        weigherOrder.append(W.name)
    }

    public mutating func register<D: VirtDriver>(virtDriver: D.Type) throws(PluginError) {
        guard virtDrivers[D.name] == nil else { throw .duplicate(kind: .virtDriver, name: D.name) }
        virtDrivers[D.name] = Entry(name: D.name, options: D.configOptions, make: { try D(context: $0) })
    }

    public mutating func register<T: Transport>(transport: T.Type) throws(PluginError) {
        guard transports[T.name] == nil else { throw .duplicate(kind: .transport, name: T.name) }
        transports[T.name] = TransportEntry(
            name: T.name, schemes: T.urlSchemes, options: T.configOptions, adminCommands: T.adminCommands,
            make: { try T(context: $0) })
    }

    public mutating func register<B: NetworkBackend>(networkBackend: B.Type) throws(PluginError) {
        guard networkBackends[B.name] == nil else { throw .duplicate(kind: .networkBackend, name: B.name) }
        networkBackends[B.name] = Entry(name: B.name, options: B.configOptions, make: { try B(context: $0) })
    }

    /// Chainable forms for `Nimbus.main(registry: .builtin().registering(filter: RackFilter.self))`.
    /// A duplicate is remembered and fails `validate()` at daemon startup.
    public func registering<F: HostFilter>(filter: F.Type) -> PluginRegistry {
        var copy = self
        do { try copy.register(filter: filter) } catch { copy.duplicates.append(error) }
        return copy
    }

    public func registering<W: HostWeigher>(weigher: W.Type) -> PluginRegistry {
        var copy = self
        do { try copy.register(weigher: weigher) } catch { copy.duplicates.append(error) }
        return copy
    }

    public func registering<D: VirtDriver>(virtDriver: D.Type) -> PluginRegistry {
        var copy = self
        do { try copy.register(virtDriver: virtDriver) } catch { copy.duplicates.append(error) }
        return copy
    }

    public func registering<T: Transport>(transport: T.Type) -> PluginRegistry {
        var copy = self
        do { try copy.register(transport: transport) } catch { copy.duplicates.append(error) }
        return copy
    }

    public func registering<B: NetworkBackend>(networkBackend: B.Type) -> PluginRegistry {
        var copy = self
        do { try copy.register(networkBackend: networkBackend) } catch { copy.duplicates.append(error) }
        return copy
    }

    public func validate() throws(PluginError) {
        if let first = duplicates.first { throw first }
    }

    /// Every option the registered plugins declare plus the core ones.
    public var allOptions: [ConfigOption] {
        CoreOptions.all + filters.values.flatMap(\.options) + weighers.values.flatMap(\.options)
            + virtDrivers.values.flatMap(\.options) + transports.values.flatMap(\.options)
            + networkBackends.values.flatMap(\.options)
    }

    // MARK: instantiation by configured name

    public func makeFilters(named names: [String], context: PluginContext) throws -> [any HostFilter] {
        try names.map { name in
            guard let entry = filters[name] else {
                throw PluginError.unknown(kind: .filter, name: name, option: "[filter_scheduler] enabled_filters",
                                          known: Array(filters.keys))
            }
            return try entry.make(context)
        }
    }

    /// Weighers named in `[filter_scheduler] weight_classes`, or all registered ones when unset (Nova's default).
    public func makeWeighers(named names: [String]?, context: PluginContext) throws -> [any HostWeigher] {
        try (names ?? weigherOrder).map { name in
            guard let entry = weighers[name] else {
                throw PluginError.unknown(kind: .weigher, name: name, option: "[filter_scheduler] weight_classes",
                                          known: Array(weighers.keys))
            }
            return try entry.make(context)
        }
    }

    public func makeVirtDriver(named name: String, context: PluginContext) throws -> any VirtDriver {
        guard let entry = virtDrivers[name] else {
            throw PluginError.unknown(kind: .virtDriver, name: name, option: "[DEFAULT] compute_driver",
                                      known: Array(virtDrivers.keys))
        }
        return try entry.make(context)
    }

    public func makeNetworkBackend(named name: String, context: PluginContext) throws -> any NetworkBackend {
        guard let entry = networkBackends[name] else {
            throw PluginError.unknown(kind: .networkBackend, name: name, option: "[network] backend",
                                      known: Array(networkBackends.keys))
        }
        return try entry.make(context)
    }

    /// Picks the transport whose scheme matches `transport_url` (`zmq://…` → ZeroMQ).
    public func makeTransport(url: String, context: PluginContext) throws -> any Transport {
        let scheme = url.split(separator: ":", maxSplits: 1).first.map(String.init) ?? url
        guard let entry = transports.values.first(where: { $0.schemes.contains(scheme) }) else {
            throw PluginError.noTransportForURL(url, known: transports.values.flatMap(\.schemes))
        }
        return try entry.make(context)
    }

    /// Checks that every plugin the config names exists, before any daemon starts.
    public func checkConfigured(_ config: NimbusConfig) throws {
        for name in CoreOptions.enabledFilters.read(config)
        where filters[name] == nil {
            throw PluginError.unknown(kind: .filter, name: name, option: "[filter_scheduler] enabled_filters",
                                      known: Array(filters.keys))
        }
        for name in CoreOptions.weightClasses.read(config) ?? [] where weighers[name] == nil {
            throw PluginError.unknown(kind: .weigher, name: name, option: "[filter_scheduler] weight_classes",
                                      known: Array(weighers.keys))
        }
        let driver = CoreOptions.computeDriver.read(config)
        if virtDrivers[driver] == nil {
            throw PluginError.unknown(kind: .virtDriver, name: driver, option: "[DEFAULT] compute_driver",
                                      known: Array(virtDrivers.keys))
        }
        // Only checked once backends are registered: a registry of filters alone (tests, examples) needs none.
        let backend = CoreOptions.networkBackend.read(config)
        if !networkBackends.isEmpty, networkBackends[backend] == nil {
            throw PluginError.unknown(kind: .networkBackend, name: backend, option: "[network] backend",
                                      known: Array(networkBackends.keys))
        }
    }
}
