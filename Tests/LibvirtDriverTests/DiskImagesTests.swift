import Foundation
import NimbusKernel
import Testing

@testable import LibvirtVirtDriver

@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/qemu-img"), "needs qemu-img (qemu-utils)"))
struct DiskImagesTests {
    static func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "nimbus-disk-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir + "/inst", withIntermediateDirectories: true)
        let image = dir + "/image.raw"
        FileManager.default.createFile(atPath: image, contents: Data(count: 1 << 20))
        return dir
    }

    @Test func qcow2OverlayOnTheCachedBase() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let disk = try await DiskImages.instanceDisk(image: dir + "/image.raw", imageRef: "img-1", instanceDir: dir + "/inst",
                                                     instancesPath: dir, sizeGB: 1, imagesType: "default")
        #expect(disk.format == "qcow2")
        #expect(FileManager.default.fileExists(atPath: dir + "/_base/img-1"))
        let info = try await DiskImages.run("qemu-img", ["info", "--output=json", disk.path])
        #expect(info.contains("_base/img-1"))  // backed by the cache, not the image service's copy
        #expect(try await DiskImages.virtualSize(of: disk.path) == 1 << 30)
    }

    @Test func rawCopyAndTooSmallFlavor() async throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let disk = try await DiskImages.instanceDisk(image: dir + "/image.raw", imageRef: "", instanceDir: dir + "/inst",
                                                     instancesPath: dir, sizeGB: 0, imagesType: "raw")
        #expect(disk.format == "raw")
        #expect(try await DiskImages.virtualSize(of: disk.path) == 1 << 20)
        FileManager.default.createFile(atPath: dir + "/big.raw", contents: nil)
        _ = try await DiskImages.run("qemu-img", ["resize", "-f", "raw", dir + "/big.raw", "2G"])
        await #expect(throws: VirtDriverError.self) {
            _ = try await DiskImages.instanceDisk(image: dir + "/big.raw", imageRef: "big", instanceDir: dir + "/inst",
                                                  instancesPath: dir, sizeGB: 1, imagesType: "default")
        }
    }

    @Test func cacheKeysAreSafeFileNames() {
        #expect(DiskImages.cacheKey(imageRef: "0b4e-11aa", path: "/x") == "0b4e-11aa")
        let hostile = DiskImages.cacheKey(imageRef: "../../etc/passwd", path: "/x")
        #expect(!hostile.contains("/") && !hostile.contains("."))
    }
}
