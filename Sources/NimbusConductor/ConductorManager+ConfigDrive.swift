import Foundation
import Logging
import MetadataDocuments
import NimbusStore

extension ConductorManager {
    /// The config drive's documents when the instance gets one (Nova's `configdrive.required_by`: asked for at
    /// create, or `force_config_drive`, which also marks the instance as Nova's compute does). Built after the
    /// ports are bound, from the same store reads as the metadata service's answers. A failure to read leaves
    /// the build without a drive and is logged (the metadata service still answers).
    func configDrive(_ uuid: UUID) async -> MetadataSource? {
        do {
            var wanted = try await store.configDrive(uuid)
            if !wanted && forceConfigDrive {
                try await store.setConfigDrive(uuid, true)
                wanted = true
            }
            guard wanted else { return nil }
            return try await store.metadataSource(uuid, dhcpDomain: dhcpDomain)
        } catch {
            logger.warning("config drive documents not built: \(error)", metadata: ["instance": "\(uuid)"])
            return nil
        }
    }
}
