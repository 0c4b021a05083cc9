import ArgumentParser
import Foundation
import NimbusKernel
import NimbusMetadata
import NimbusStore

/// `nimbus metadata`: the metadata service on `[DEFAULT] metadata_listen:metadata_listen_port` (Nova's
/// nova-api-metadata; it reads instances, ports and key pairs from the store itself).
struct MetadataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "metadata", abstract: "Run the metadata service.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let rt = try common.runtime(label: "nimbus.metadata")
        let store = try rt.openStore(migrate: false)
        try await runServices([StoreCheckpoints(store: store),
                               MetadataServer(settings: try MetadataSettings(config: rt.config), store: store,
                                              logger: rt.logger)],
                              logger: rt.logger)
    }
}

extension AllInOne {
    /// The all-in-one's metadata service, when `[DEFAULT] enabled_apis` lists `metadata`.
    static func metadataServer(_ runtime: NimbusRuntime, store: NimbusStore) throws -> MetadataServer? {
        guard try MetadataOptions.enabledAPIs.read(runtime.config).contains("metadata") else { return nil }
        return MetadataServer(settings: try MetadataSettings(config: runtime.config), store: store,
                              logger: runtime.logger, optional: true)
    }

    /// The bound port of the all-in-one's metadata service; nil when it does not run one.
    public func metadataPort() async -> Int? {
        guard let metadata else { return nil }
        return await metadata.boundPort()
    }
}
