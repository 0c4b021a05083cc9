import ConductorRPC
import Crypto
import Foundation
import NimbusKernel
import NimbusRPC

/// The compute's copy of image bytes, fetched from the conductor in ranges and kept under
/// `$state_path/image-cache/<id>` (Nova's compute downloads from Glance into its image cache the same way).
/// A download lands under a temporary name and is renamed only after its size and checksum match the image
/// record, so a crash or a corrupt transfer never leaves a file that looks complete.
actor ImageCache {
    let directory: String
    let conductor: ConductorClient
    private var inFlight: [String: Task<String, any Error>] = [:]

    init(directory: String, conductor: ConductorClient) {
        self.directory = directory
        self.conductor = conductor
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The local path of the image's bytes, downloading them once even when builds ask concurrently.
    func path(for meta: ConductorAPI.ImageMeta) async throws -> String {
        guard Self.isSafeID(meta.id) else { throw Failure(description: "Image id \(meta.id) is not a valid id.") }
        let final = (directory as NSString).appendingPathComponent(meta.id.lowercased())
        if FileManager.default.fileExists(atPath: final) { return final }
        if let running = inFlight[meta.id] { return try await running.value }
        let task = Task { try await download(meta, to: final) }
        inFlight[meta.id] = task
        defer { inFlight[meta.id] = nil }
        return try await task.value
    }

    /// Glance ids are UUIDs; anything that could walk out of the cache directory is refused.
    static func isSafeID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || $0 == "-"
        }
    }

    private func download(_ meta: ConductorAPI.ImageMeta, to final: String) async throws -> String {
        guard meta.status == "active", let size = meta.size else {
            throw Failure(description: "Image \(meta.id) is not active (status \(meta.status)).")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let part = final + ".part-\(UUID().uuidString.prefix(8))"
        guard FileManager.default.createFile(atPath: part, contents: nil),
              let out = FileHandle(forWritingAtPath: part) else {
            throw Failure(description: "Cannot write \(part).")
        }
        do {
            var md5 = Insecure.MD5()
            var sha512 = SHA512()
            var offset = 0
            while offset < size {
                let length = min(ConductorClient.imageChunk, size - offset)
                let chunk = try await conductor.imageData(meta.id, offset: offset, length: length)
                guard !chunk.isEmpty else { throw Failure(description: "Image \(meta.id) ended at \(offset) of \(size) bytes.") }
                md5.update(data: chunk)
                sha512.update(data: chunk)
                try out.write(contentsOf: chunk)
                offset += chunk.count
            }
            try out.close()
            let gotMD5 = md5.finalize().map { String(format: "%02x", $0) }.joined()
            let gotSHA = sha512.finalize().map { String(format: "%02x", $0) }.joined()
            if let want = meta.checksum, want != gotMD5 {
                throw Failure(description: "Image \(meta.id): md5 \(gotMD5) does not match the record's \(want).")
            }
            if meta.osHashAlgo == "sha512", let want = meta.osHashValue, want != gotSHA {
                throw Failure(description: "Image \(meta.id): sha512 does not match the record's os_hash_value.")
            }
            guard rename(part, final) == 0 else { throw Failure(description: "Cannot store \(final): errno \(errno).") }
            return final
        } catch {
            try? out.close()
            try? FileManager.default.removeItem(atPath: part)
            throw error
        }
    }
}
