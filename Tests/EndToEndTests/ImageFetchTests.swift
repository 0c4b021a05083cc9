import Foundation
import NimbusTestCloud
import NimbusKernelTestKit
import NimbusDaemons
import Testing

/// The compute's image fetch (conductor `image_get` / `image_data`, 4 MiB ranges, md5 and sha512 checked), with
/// the fake driver asked to need image files (`[fake] fetch_images`), so it runs without QEMU.
@Suite(.serialized) struct ImageFetchTests {
    static let microversion = ["OpenStack-API-Version": "compute 2.100"]

    func boot(_ cloud: TestCloud, _ name: String, image: String) async throws -> String {
        let (status, body) = try await cloud.request("POST", "/v2.1/servers", [
            "server": ["name": name, "imageRef": image, "flavorRef": "1", "networks": "none"],
        ], headers: Self.microversion)
        try #require(status == 202, "\(body)")
        let id = try #require((body["server"] as? [String: Any])?["id"] as? String)
        _ = try await cloud.settle([id])
        return id
    }

    func cacheFiles(_ cloud: TestCloud) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: cloud.aio.runtime.statePath + "/image-cache")) ?? []
    }

    @Test func imagesArriveWholeAndCorruptOnesFailTheBuildLeavingNothing() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 1, ["fake.fetch_images": "true"])) { cloud in
            let images = try await ImageClient(cloud)

            // More than one 4 MiB range.
            let size = (9 << 20) + 123
            let good = try await images.upload(["name": "good", "disk_format": "raw", "container_format": "bare"],
                                               Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }))
            let first = try await boot(cloud, "good", image: good)
            #expect(try await cloud.server(first)["status"] as? String == "ACTIVE")
            let (_, console) = try await cloud.request("POST", "/v2.1/servers/\(first)/action",
                                                       ["os-getConsoleOutput": [:] as [String: Any]])
            #expect((console["output"] as? String)?.contains("Image file: \(size) bytes") == true)
            #expect(cacheFiles(cloud) == [good])

            // The stored bytes change after upload: the record's checksums no longer match.
            let bad = try await images.upload(["name": "bad", "disk_format": "raw", "container_format": "bare"],
                                              Data(repeating: 1, count: 4096))
            let dataDir = try #require(try IdentityImageServices.imageDataDirectory(cloud.aio.runtime))
            try Data(repeating: 2, count: 4096).write(to: URL(fileURLWithPath: "\(dataDir)/\(bad)"))
            let second = try await boot(cloud, "bad", image: bad)
            let server = try await cloud.server(second)
            #expect(server["status"] as? String == "ERROR")
            let fault = server["fault"] as? [String: Any]
            #expect((fault?["details"] as? String)?.contains("md5") == true, "\(fault ?? [:])")
            #expect(cacheFiles(cloud) == [good], "nothing of the corrupt download is kept")

            // An image the image service does not have: the build fails with Glance's message.
            let missing = UUID().uuidString.lowercased()
            let third = try await boot(cloud, "missing", image: missing)
            let fault3 = try await cloud.server(third)["fault"] as? [String: Any]
            #expect((fault3?["details"] as? String)?.contains("Image \(missing) could not be found") == true, "\(fault3 ?? [:])")
        }
    }
}
