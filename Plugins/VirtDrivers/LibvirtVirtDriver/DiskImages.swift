import Foundation
import NimbusKernel

/// Guest disks: a qcow2 overlay on the (cached, read-only) base image, made with `qemu-img`.
enum DiskImages {
    static func overlay(base: String, in dir: String, sizeGB: Int) async throws -> String {
        let disk = (dir as NSString).appendingPathComponent("disk")
        var args = ["create", "-f", "qcow2", "-F", try format(of: base), "-b", base, disk]
        if sizeGB > 0 { args.append("\(sizeGB)G") }
        try await run("qemu-img", args)
        return disk
    }

    static func format(of path: String) throws -> String {
        guard let h = FileHandle(forReadingAtPath: path) else { throw VirtDriverError.spawnFailed("image \(path) is missing") }
        defer { try? h.close() }
        let magic = h.readData(ofLength: 4)
        return magic == Data([0x51, 0x46, 0x49, 0xfb]) ? "qcow2" : "raw"  // "QFI\xfb"
    }

    /// Runs a tool on a dispatch thread (waiting on a child process must not block the cooperative pool).
    static func run(_ tool: String, _ args: [String]) async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                p.arguments = [tool] + args
                let err = Pipe()
                p.standardError = err
                p.standardOutput = FileHandle.nullDevice
                do {
                    try p.run()
                    let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                    p.waitUntilExit()
                    if p.terminationStatus == 0 { c.resume() } else {
                        c.resume(throwing: VirtDriverError.spawnFailed("\(tool) failed: \(message)"))
                    }
                } catch { c.resume(throwing: VirtDriverError.spawnFailed("cannot run \(tool): \(error)")) }
            }
        }
    }
}
