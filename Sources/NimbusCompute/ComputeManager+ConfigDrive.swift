import Foundation
import Logging
import MetadataDocuments
import NimbusKernel

/// Where this compute builds config drives and with which tool.
struct ConfigDriveSettings: Sendable {
    var directory = NSTemporaryDirectory() + "nimbus-config-drives"
    var mkisofs = "genisoimage"

    init() {}

    init(_ config: NimbusConfig) throws {
        directory = (CoreOptions.statePath.read(config) as NSString).appendingPathComponent("config-drives")
        mkisofs = ConfigDriveOptions.mkisofsCmd.read(config)
        _ = try ConfigDriveOptions.format.read(config)  // only iso9660: a vfat setting is refused at start
    }
}

extension ComputeManager {
    /// Builds the instance's config drive (`<state_path>/config-drives/<uuid>/disk.config`, Nova's name) for the
    /// driver to attach; the ISO tool runs off the cooperative pool.
    func makeConfigDrive(_ source: MetadataSource) async throws -> String {
        let path = configDriveDirectory(source.uuid) + "/disk.config"
        try? FileManager.default.removeItem(atPath: path)
        do {
            try await ConfigDrive.makeISO(source, at: path, mkisofs: configDrives.mkisofs)
        } catch {
            throw VirtDriverError.spawnFailed("config drive: \(error)")
        }
        logger.info("config drive built", metadata: ["instance": "\(source.uuid)", "path": "\(path)"])
        return path
    }

    func removeConfigDrive(_ uuid: UUID) {
        try? FileManager.default.removeItem(atPath: configDriveDirectory(uuid))
    }

    func configDriveDirectory(_ uuid: UUID) -> String {
        (configDrives.directory as NSString).appendingPathComponent(uuid.uuidString.lowercased())
    }
}
