import Foundation
import NimbusKernel

/// Guest disks with `qemu-img`: the image is cached once per compute node under `instances_path/_base`
/// (as Nova's image cache), and each instance gets a qcow2 overlay on it (`images_type` qcow2/default) or
/// a full raw copy (raw/flat), grown to the flavor's root disk.
enum DiskImages {
    struct Disk: Sendable {
        var path: String
        var format: String
        /// Nova's choice: `none` (O_DIRECT) where the filesystem supports it, else `writethrough` (tmpfs).
        var cache: String { supportsDirectIO(path) ? "none" : "writethrough" }
    }

    static func supportsDirectIO(_ path: String) -> Bool {
        #if arch(x86_64)
        let oDirect: Int32 = 0o40000  // O_DIRECT (Swift's Glibc hides it behind _GNU_SOURCE)
        #else
        let oDirect: Int32 = 0o200000
        #endif
        let fd = open(path, O_RDONLY | oDirect)
        if fd < 0 { return false }
        close(fd)
        return true
    }

    static func instanceDisk(image: String, imageRef: String, instanceDir: String, instancesPath: String,
                             sizeGB: Int, imagesType: String) async throws -> Disk {
        let base = try cachedBase(image: image, imageRef: imageRef, instancesPath: instancesPath)
        let baseFormat = try format(of: base)
        let virtualSize = try await virtualSize(of: base)
        var size = sizeGB > 0 ? UInt64(sizeGB) << 30 : 0
        if size > 0 && size < virtualSize {
            throw VirtDriverError.spawnFailed("flavor's disk (\(sizeGB) GB) is smaller than the image (\(virtualSize) bytes)")
        }
        if size < virtualSize { size = 0 }  // keep the image's own size
        let disk = (instanceDir as NSString).appendingPathComponent("disk")
        if imagesType == "raw" || imagesType == "flat" {
            _ = try await run("qemu-img", ["convert", "-f", baseFormat, "-O", "raw", base, disk])
            if size > 0 { _ = try await run("qemu-img", ["resize", "-f", "raw", disk, String(size)]) }
            return Disk(path: disk, format: "raw")
        }
        var args = ["create", "-f", "qcow2", "-F", baseFormat, "-b", base, disk]
        if size > 0 { args.append(String(size)) }
        _ = try await run("qemu-img", args)
        return Disk(path: disk, format: "qcow2")
    }

    /// The image's copy in `_base`, made once (copy to a temporary name, then rename: a concurrent spawn of
    /// the same image never sees half a file). Named by the image id, as Nova names its cache entries.
    static func cachedBase(image: String, imageRef: String, instancesPath: String) throws -> String {
        let dir = (instancesPath as NSString).appendingPathComponent("_base")
        let key = cacheKey(imageRef: imageRef, path: image)
        let base = (dir as NSString).appendingPathComponent(key)
        let fm = FileManager.default
        if fm.fileExists(atPath: base) { return base }
        guard fm.fileExists(atPath: image) else { throw VirtDriverError.spawnFailed("image \(image) is missing") }
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let temp = base + ".part-\(UUID().uuidString.prefix(8))"
        do {
            try fm.copyItem(atPath: image, toPath: temp)
            if rename(temp, base) != 0 { throw VirtDriverError.spawnFailed("cannot cache \(image): errno \(errno)") }
        } catch {
            try? fm.removeItem(atPath: temp)
            throw error
        }
        return base
    }

    /// A file name from the image id (only safe characters), or a hash of the path when there is no id.
    static func cacheKey(imageRef: String, path: String) -> String {
        let safe = imageRef.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" }
        if !imageRef.isEmpty && safe && imageRef.count <= 128 { return imageRef }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in (imageRef + "\u{0}" + path).utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }

    static func format(of path: String) throws -> String {
        guard let h = FileHandle(forReadingAtPath: path) else { throw VirtDriverError.spawnFailed("image \(path) is missing") }
        defer { try? h.close() }
        let magic = h.readData(ofLength: 4)
        return magic == Data([0x51, 0x46, 0x49, 0xfb]) ? "qcow2" : "raw"  // "QFI\xfb"
    }

    static func virtualSize(of path: String) async throws -> UInt64 {
        let json = try await run("qemu-img", ["info", "--output=json", path])
        let info = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        guard let size = (info?["virtual-size"] as? NSNumber)?.uint64Value else {
            throw VirtDriverError.spawnFailed("qemu-img info \(path): no virtual-size")
        }
        return size
    }

    /// Runs a tool on a dispatch thread (waiting on a child process must not block the cooperative pool);
    /// returns its standard output.
    static func run(_ tool: String, _ args: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<String, any Error>) in
            DispatchQueue.global().async {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                p.arguments = [tool] + args
                let out = Pipe()
                let err = Pipe()
                p.standardOutput = out
                p.standardError = err
                do {
                    try ProcessSpawn.run(p)
                    // Drain stderr on another thread so a chatty tool cannot fill one pipe while we read the other.
                    let errData = LockedData()
                    let group = DispatchGroup()
                    DispatchQueue.global().async(group: group) { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
                    let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                    group.wait()
                    p.waitUntilExit()
                    if p.terminationStatus == 0 { c.resume(returning: output) } else {
                        let message = String(decoding: errData.get(), as: UTF8.self)
                        c.resume(throwing: VirtDriverError.spawnFailed("\(tool) \(args.first ?? "") failed: \(message)"))
                    }
                } catch { c.resume(throwing: VirtDriverError.spawnFailed("cannot run \(tool) (is it installed?): \(error)")) }
            }
        }
    }
}

/// One Data handed between two threads of `DiskImages.run` under a lock.
private final class LockedData: @unchecked Sendable {
    // @unchecked: `data` is only touched while holding `lock`.
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.withLock { data = d } }
    func get() -> Data { lock.withLock { data } }
}
