import Foundation
import NimbusDaemons
import NimbusKernelTestKit
import NimbusStore
import NimbusTestCloud
import Testing

/// createImage on the fake driver (issue 15, item 6): the disk reaches the image service through the conductor,
/// the image carries Nova's snapshot properties, the server never leaves its vm_state and ends with no task state,
/// and a new server boots from the snapshot with its bytes (`[fake] fetch_images`).
@Suite struct ServerSnapshotTests {
    static func action(_ cloud: TestCloud, _ id: String, _ body: [String: Any], _ version: String = "2.100")
        async throws -> HTTPAnswer {
        try await cloud.call("POST", "/v2.1/servers/\(id)/action", body, version: version)
    }

    func boot(_ cloud: TestCloud, _ name: String, image: String) async throws -> String {
        let r = try await cloud.call("POST", "/v2.1/servers", [
            "server": ["name": name, "imageRef": image, "flavorRef": "1", "networks": "none"],
        ], version: "2.100")
        try #require(r.status == 202, "\(r.body)")
        let id = try #require((r["server"] as? [String: Any])?["id"] as? String)
        _ = try await cloud.settle([id])
        return id
    }

    /// Waits for the snapshot to be active and the server to have no task state.
    func settled(_ cloud: TestCloud, _ server: String, _ image: String) async throws -> ImageRecord {
        try await cloud.waitUntil("snapshot \(image) is active") {
            let active = try await cloud.store.image(id: image)?.status == "active"
            let task = try await cloud.server(server)["OS-EXT-STS:task_state"]
            return active && task is NSNull
        }
        return try #require(try await cloud.store.image(id: image))
    }

    @Test func createImageUploadsTheDiskAndANewServerBootsFromIt() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 2, ["fake.fetch_images": "true"])) { cloud in
            let images = try await ImageClient(cloud)
            let base = try await images.upload(["name": "base", "disk_format": "raw", "container_format": "bare",
                                                "os_distro": "cirros", "cache_in_nova": "true"],
                                               Data(repeating: 7, count: 1000))
            let src = try await boot(cloud, "src", image: base)
            #expect(try await cloud.status(src) == "ACTIVE")

            let missing = try await Self.action(cloud, src, ["createImage": ["metadata": ["k": "v"]]])
            #expect(missing.status == 400, "\(missing.body)")
            let r = try await Self.action(cloud, src, ["createImage": ["name": "snap1", "metadata": ["k": "v"]]], "2.45")
            #expect(r.status == 202, "\(r.body)")
            let snap = try #require(r["image_id"] as? String)
            let image = try await settled(cloud, src, snap)
            #expect(try await cloud.status(src) == "ACTIVE")
            #expect(image.name == "snap1" && image.visibility == "private" && image.diskFormat == "raw")
            #expect(image.containerFormat == "bare" && image.checksum != nil && image.osHashAlgo == "sha512")
            let p = image.properties
            #expect(p["image_type"] == "snapshot" && p["instance_uuid"] == src && p["base_image_ref"] == base, "\(p)")
            #expect(p["os_distro"] == "cirros" && p["k"] == "v" && p["cache_in_nova"] == nil, "\(p)")
            // The bytes are the source guest's disk.
            let dataDir = try #require(try IdentityImageServices.imageDataDirectory(cloud.aio.runtime))
            let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(dataDir)/\(snap)"))
            #expect(bytes.count == image.size)
            #expect(String(decoding: bytes, as: UTF8.self).contains("server src \(src)"))

            let actions = try await cloud.call("GET", "/v2.1/servers/\(src)/os-instance-actions", version: "2.100")
            let create = try #require((actions["instanceActions"] as? [[String: Any]])?
                .first { $0["action"] as? String == "createImage" })
            let rid = try #require(create["request_id"] as? String)
            let shown = try await cloud.call("GET", "/v2.1/servers/\(src)/os-instance-actions/\(rid)", version: "2.100")
            let events = (shown["instanceAction"] as? [String: Any])?["events"] as? [[String: Any]] ?? []
            #expect(events.map { $0["event"] as? String } == ["compute_snapshot_instance"])
            #expect(events.first?["result"] as? String == "Success")

            // A new server from the snapshot: the compute fetched exactly its bytes.
            let copy = try await boot(cloud, "copy", image: snap)
            #expect(try await cloud.status(copy) == "ACTIVE")
            let console = try await Self.action(cloud, copy, ["os-getConsoleOutput": [:] as [String: Any]])
            let text = console["output"] as? String ?? ""
            #expect(text.contains("from image \(snap)") && text.contains("Image file: \(bytes.count) bytes"), "\(text)")

            // Before 2.45: no body, the image's address in Location.
            let old = try await Self.action(cloud, src, ["createImage": ["name": "snap2"]], "2.44")
            #expect(old.status == 202 && old.body.isEmpty, "\(old.body)")
            let location = try #require(old.header("Location"))
            #expect(location.hasPrefix(images.base + "/images/"), "\(location)")
            let second = String(location.dropFirst((images.base + "/images/").count))
            #expect(try await settled(cloud, src, second).status == "active")
        }
    }

    /// Racing snapshots: the guarded task-state write lets one through; the loser's image record is removed.
    /// A rescued server cannot be snapshotted (Nova's vm_state list).
    @Test func concurrentSnapshotsOneWinsAndWrongStatesAreRefused() async throws {
        try await withHarness(try await TestCloud.e2e(hosts: 1)) { cloud in
            let src = try #require(try await cloud.boot("race").first)
            let answers = try await withThrowingTaskGroup(of: Int.self) { g in
                for n in 0..<4 {
                    g.addTask { try await Self.action(cloud, src, ["createImage": ["name": "race-\(n)"]]).status }
                }
                return try await g.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(answers.sorted() == [202, 409, 409, 409], "\(answers)")
            try await cloud.waitUntil("the snapshot finished") {
                (try await cloud.server(src)["OS-EXT-STS:task_state"]) is NSNull
            }
            let snaps = try await cloud.store.images(ImageQuery(projectID: nil, limit: 100))
                .filter { $0.properties["instance_uuid"] == src }
            #expect(snaps.count == 1 && snaps.first?.status == "active", "\(snaps.map(\.status))")

            #expect(try await Self.action(cloud, src, ["rescue": NSNull()]).status == 200)
            try await cloud.waitFor(src, status: "RESCUE")
            let rescued = try await Self.action(cloud, src, ["createImage": ["name": "r"]])
            #expect(rescued.status == 409)
            #expect(rescued.message == "Cannot 'createImage' instance \(src) while it is in vm_state rescued")
            // Before 2.39 the image metadata counts against metadata_items (128 by default): 403 before anything else.
            let many = Dictionary(uniqueKeysWithValues: (0..<129).map { ("k\($0)", "v") })
            let quota = try await Self.action(cloud, src, ["createImage": ["name": "q", "metadata": many]], "2.38")
            #expect(quota.status == 403, "\(quota.body)")
        }
    }
}
