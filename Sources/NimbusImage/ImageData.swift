import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NimbusKernel
import NimbusStore
import Synchronization

extension ImageAPI {
    func dataPath(_ id: String) -> String { (config.dataDirectory as NSString).appendingPathComponent(id.lowercased()) }

    func addDataRoutes(_ router: Router<BasicRequestContext>) {
        router.put("/v2/images/{id}/file") { req, ctx in
            let caller = try await caller(req)
            let image = try await image(ctx, for: caller)
            try ImagePolicy.modify(image, caller, "upload_image")
            if let type = req.headers[.contentType], !type.lowercased().hasPrefix("application/octet-stream") {
                throw GlanceError(.unsupportedMediaType, "Image data must be sent as application/octet-stream.")
            }
            guard image.status == "queued" else {
                throw GlanceError.conflict("Image status transition from \(image.status) to saving is not allowed")
            }
            try await upload(req, ctx, image)
            return empty(.noContent)
        }
        router.get("/v2/images/{id}/file") { req, ctx in
            let caller = try await caller(req)
            let image = try await image(ctx, for: caller)
            try ImagePolicy.download(caller)
            // As Glance: admins may still download a deactivated image (to inspect it), others may not.
            if image.status == "deactivated", !caller.isAdmin {
                throw GlanceError.forbidden("The requested image has been deactivated. Image data download is forbidden.")
            }
            guard image.status == "active" || image.status == "deactivated" else { return empty(.noContent) }
            let body = try await FileIO().loadFile(path: dataPath(image.id), context: ctx)
            var headers: HTTPFields = [.contentType: "application/octet-stream"]
            if let md5 = image.checksum { headers[HTTPField.Name("Content-MD5")!] = md5 }
            if let size = image.size { headers[.contentLength] = "\(size)" }
            return Response(status: .ok, headers: headers, body: body)
        }
    }

    /// queued → saving → active. Data streams to `<id>.part` while md5 and sha512 are computed, then is renamed
    /// into place. Any failure removes the partial file and puts the image back to queued, so nothing half-written
    /// is ever served.
    func upload(_ req: Request, _ ctx: BasicRequestContext, _ image: ImageRecord) async throws {
        var saving = image
        saving.status = "saving"
        saving.updatedAt = Date()
        try await store.updateImage(saving, expectStatus: ["queued"])  // a concurrent upload loses here (409)
        let final = dataPath(image.id)
        let part = final + ".part"
        let digests = UploadDigests(cap: config.sizeCap)
        do {
            try await FileIO().writeFile(contents: HashingBody(base: req.body, digests: digests), path: part, context: ctx)
            let (size, md5, sha512) = digests.result()
            if rename(part, final) != 0 { throw GlanceError(.internalServerError, "Cannot store image data (errno \(errno)).") }
            var active = saving
            (active.status, active.size, active.checksum) = ("active", size, md5)
            (active.osHashAlgo, active.osHashValue, active.updatedAt) = ("sha512", sha512, Date())
            do { try await store.updateImage(active, expectStatus: ["saving"]) } catch StoreError.notFound {
                try? FileManager.default.removeItem(atPath: final)
                throw GlanceError(.gone, "Image \(image.id) could not be found after upload. The image may have been "
                                  + "deleted during the upload.")
            }
            logger.info("image uploaded", metadata: ["image": "\(image.id)", "size": "\(size)"])
        } catch {
            try? FileManager.default.removeItem(atPath: part)
            if (error as? GlanceError)?.status != .gone {
                var queued = image
                queued.updatedAt = Date()
                try? await store.updateImage(queued, expectStatus: ["saving"])
            }
            if error is UploadTooLarge || digests.overCap {  // the file writer may wrap our error
                throw GlanceError(.contentTooLarge, "Image exceeds the storage quota: image_size_cap is \(config.sizeCap) bytes.")
            }
            if error is GlanceError { throw error }
            logger.warning("image upload failed: \(error)", metadata: ["image": "\(image.id)"])
            throw GlanceError.badRequest("Image upload failed: \(error). The image is queued again; retry the upload.")
        }
    }
}

struct UploadTooLarge: Error {}

/// Running md5 / sha512 / size of an upload, shared between the body sequence and the handler.
final class UploadDigests: Sendable {
    private struct State {
        var md5 = Insecure.MD5()
        var sha512 = SHA512()
        var size = 0
        var overCap = false
    }

    private let state = Mutex(State())
    let cap: Int

    init(cap: Int) { self.cap = cap }

    func update(_ buffer: ByteBuffer) throws {
        try state.withLock { s in
            s.size += buffer.readableBytes
            guard s.size <= cap else {
                s.overCap = true
                throw UploadTooLarge()
            }
            buffer.withUnsafeReadableBytes { s.md5.update(bufferPointer: $0); s.sha512.update(bufferPointer: $0) }
        }
    }

    var overCap: Bool { state.withLock { $0.overCap } }

    func result() -> (Int, String, String) {
        state.withLock { s in
            (s.size, s.md5.finalize().map { String(format: "%02x", $0) }.joined(),
             s.sha512.finalize().map { String(format: "%02x", $0) }.joined())
        }
    }
}

/// The request body, hashed and size-checked chunk by chunk on its way to the file.
struct HashingBody: AsyncSequence {
    typealias Element = ByteBuffer
    let base: RequestBody
    let digests: UploadDigests

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let digests: UploadDigests

        mutating func next() async throws -> ByteBuffer? {
            guard let buffer = try await base.next() else { return nil }
            try digests.update(buffer)
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), digests: digests) }
}
