import ConductorRPC
import Foundation
import NimbusKernel
import NimbusRPC
import NimbusStore

/// Image metadata and bytes for computes (Nova's computes download from Glance; ours ask the conductor, which
/// reads the built-in image service's files, so compute nodes need neither the database nor a token).
extension ConductorManager {
    /// Largest range one `image_data` call returns: bounds the RPC message (the body is base64 JSON).
    public static let maxImageChunk = 4 << 20

    static let imageNotFound = "ImageNotFound"

    func imageMeta(_ id: String) async throws -> ConductorAPI.ImageMeta {
        guard let i = try await store.image(id: id) else {
            throw RemoteError(type: Self.imageNotFound, message: "Image \(id) could not be found.")
        }
        return ConductorAPI.ImageMeta(id: i.id, status: i.status, size: i.size, checksum: i.checksum,
                                      osHashAlgo: i.osHashAlgo, osHashValue: i.osHashValue, diskFormat: i.diskFormat,
                                      properties: i.properties)
    }

    func imageData(_ a: ConductorAPI.ImageChunk) async throws -> Data {
        guard let dir = imageDataDirectory else {
            throw RemoteError(type: "ImageUnacceptable", message: "Image \(a.id): images are served by an external Glance.")
        }
        guard a.offset >= 0, a.length > 0, a.length <= Self.maxImageChunk else {
            throw RemoteError(type: "InvalidInput", message: "image_data: bad range \(a.offset)+\(a.length)")
        }
        guard let image = try await store.image(id: a.id), image.status == "active" else {
            throw RemoteError(type: Self.imageNotFound, message: "Image \(a.id) could not be found or is not active.")
        }
        // The id came over the wire: only the store's own spelling of it names a file.
        let path = (dir as NSString).appendingPathComponent(image.id.lowercased())
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RemoteError(type: Self.imageNotFound, message: "Image \(a.id) has no data.")
        }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(a.offset))
        return try handle.read(upToCount: a.length) ?? Data()
    }
}
