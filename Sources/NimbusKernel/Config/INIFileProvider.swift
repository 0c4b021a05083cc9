import Configuration

/// A swift-configuration provider over one nova.conf-style INI file. Keys are `[section, option]`;
/// every value is a string, typed and validated by `NimbusConfig` so errors can name file, section and option.
public struct INIFileProvider: ConfigProvider {
    public let document: INIDocument
    private let storage: InMemoryProvider

    public init(document: INIDocument) {
        self.document = document
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for entry in document.entries {
            values[AbsoluteConfigKey([entry.section, entry.option])] = ConfigValue(.string(entry.value), isSecret: false)
        }
        self.storage = InMemoryProvider(name: document.path, values: values)
    }

    public var providerName: String { "INIFileProvider[\(document.path)]" }

    public func value(forKey key: AbsoluteConfigKey, type: ConfigType) throws -> LookupResult {
        try storage.value(forKey: key, type: type)
    }

    public func fetchValue(forKey key: AbsoluteConfigKey, type: ConfigType) async throws -> LookupResult {
        try await storage.fetchValue(forKey: key, type: type)
    }

    public func watchValue<Return: ~Copyable>(
        forKey key: AbsoluteConfigKey,
        type: ConfigType,
        updatesHandler: nonisolated(nonsending) (
            _ updates: ConfigUpdatesAsyncSequence<Result<LookupResult, any Error>, Never>
        ) async throws -> Return
    ) async throws -> Return {
        try await storage.watchValue(forKey: key, type: type, updatesHandler: updatesHandler)
    }

    public func snapshot() -> any ConfigSnapshot { storage.snapshot() }

    public func watchSnapshot<Return: ~Copyable>(
        updatesHandler: nonisolated(nonsending) (_ updates: ConfigUpdatesAsyncSequence<any ConfigSnapshot, Never>) async throws -> Return
    ) async throws -> Return {
        try await storage.watchSnapshot(updatesHandler: updatesHandler)
    }
}
