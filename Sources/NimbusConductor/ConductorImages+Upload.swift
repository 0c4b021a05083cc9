import ConductorRPC
import Crypto
import Foundation
import Logging
import NimbusKernel
import NimbusRPC
import NimbusStore

/// Snapshot uploads from computes into the built-in image service (queued → saving → active), and image
/// deletion. The bytes land in `<id>.part` and are renamed into place only once hashed, as the image service's
/// own upload does, so a half-written snapshot is never served.
extension ConductorManager {
    /// Largest snapshot accepted through the conductor (Glance's default `image_size_cap`, 1 TiB).
    static let maxSnapshotBytes = 1 << 40

    func serveImageUploads(_ db: inout RPCEndpoint) {
        db.on(ConductorAPI.imageUpload) { a in try await self.imageUpload(a) }
        db.on(ConductorAPI.imageDelete) { a in
            try await self.deleteImage(a.id)
            return Empty()
        }
    }

    func imageUpload(_ a: ConductorAPI.ImageUpload) async throws -> ConductorAPI.ImageUploadResult {
        guard let dir = imageDataDirectory else {
            throw RemoteError(type: "ImageUnacceptable", message: "Image \(a.id): images are served by an external Glance.")
        }
        guard a.offset >= 0, a.data.count <= Self.maxImageChunk, a.offset <= Self.maxSnapshotBytes - a.data.count else {
            throw RemoteError(type: "InvalidInput", message: "image_upload: bad range \(a.offset)+\(a.data.count)")
        }
        guard var image = try await store.image(id: a.id) else {
            throw RemoteError(type: Self.imageNotFound, message: "Image \(a.id) could not be found.")
        }
        let final = (dir as NSString).appendingPathComponent(image.id.lowercased())
        let part = final + ".part"
        if a.offset == 0 {
            var saving = image
            (saving.status, saving.updatedAt) = ("saving", Date())
            do { try await store.updateImage(saving, expectStatus: ["queued"]) } catch StoreError.conflict(let m) {
                throw RemoteError(type: "ImageNotAuthorized", message: m)
            }
            guard FileManager.default.createFile(atPath: part, contents: nil) else {
                throw RemoteError(type: "ImageUnacceptable", message: "Image \(a.id): cannot create its data file.")
            }
            image = saving
        } else if image.status != "saving" {
            throw RemoteError(type: "InvalidInput", message: "Image \(a.id) is \(image.status), not being uploaded.")
        }
        guard let handle = FileHandle(forWritingAtPath: part) else {
            throw RemoteError(type: "InvalidInput", message: "Image \(a.id) has no upload in progress.")
        }
        let size: Int
        do {
            defer { try? handle.close() }
            let end = Int(try handle.seekToEnd())
            guard end == a.offset else {
                throw RemoteError(type: "InvalidInput", message: "image_upload: offset \(a.offset), expected \(end)")
            }
            try handle.write(contentsOf: a.data)
            size = end + a.data.count
        }
        guard a.final else { return ConductorAPI.ImageUploadResult(size: size, status: "saving") }
        let (md5, sha512) = try Self.digests(of: part)
        guard rename(part, final) == 0 else {
            throw RemoteError(type: "ImageUnacceptable", message: "Image \(a.id): cannot store its data (errno \(errno)).")
        }
        var active = image
        (active.status, active.size, active.checksum, active.osHashAlgo, active.osHashValue) =
            ("active", size, md5, "sha512", sha512)
        active.diskFormat = a.diskFormat ?? active.diskFormat
        active.containerFormat = a.containerFormat ?? active.containerFormat
        active.updatedAt = Date()
        do { try await store.updateImage(active, expectStatus: ["saving"]) } catch {
            try? FileManager.default.removeItem(atPath: final)  // deleted meanwhile: no orphan bytes
            throw RemoteError(type: Self.imageNotFound, message: "Image \(a.id) could not be activated: \(error)")
        }
        logger.info("snapshot uploaded", metadata: ["image": "\(image.id)", "size": "\(size)"])
        return ConductorAPI.ImageUploadResult(size: size, status: "active")
    }

    /// Removes the record and any bytes; an image already gone is not an error (a retried cleanup).
    func deleteImage(_ id: String) async throws {
        guard let image = try await store.image(id: id) else { return }
        try? await store.deleteImage(id: image.id)
        try? await store.forgetShelveImage(image.id)
        if let dir = imageDataDirectory {
            let path = (dir as NSString).appendingPathComponent(image.id.lowercased())
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: path + ".part")
        }
    }

    /// Glance's `checksum` (md5) and `os_hash_value` (sha512) of the file, read in bounded chunks.
    static func digests(of path: String) throws -> (String, String) {
        guard let h = FileHandle(forReadingAtPath: path) else {
            throw RemoteError(type: "ImageUnacceptable", message: "snapshot data vanished")
        }
        defer { try? h.close() }
        var md5 = Insecure.MD5(), sha = SHA512()
        while let d = try h.read(upToCount: maxImageChunk), !d.isEmpty {
            md5.update(data: d)
            sha.update(data: d)
        }
        func hex<D: Digest>(_ d: D) -> String { d.map { String(format: "%02x", $0) }.joined() }
        return (hex(md5.finalize()), hex(sha.finalize()))
    }
}
