import Foundation
import NimbusDaemons
import NimbusKernelTestKit

/// The built-in Image v2 API as the admin uses it: a token from the built-in identity, public images. The real-guest
/// tests upload the tiny guest's kernel, initrd and disk through it.
public struct ImageClient: Sendable {
    public let base: String
    let token: String

    public init(_ cloud: TestCloud) async throws {
        let identity = await cloud.aio.identityImage.port("identity")
        base = "http://127.0.0.1:\(await cloud.aio.identityImage.port("image"))"
        let auth = #"{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "domain": {"name": "Default"}, "password": "nimbus"}}}, "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}"#
        let r = try await TestHTTP.send("POST", "http://127.0.0.1:\(identity)/v3/auth/tokens", body: Data(auth.utf8))
        guard let token = r.header("X-Subject-Token") else { throw TestFailure("no token: \(r.status)") }
        self.token = token
    }

    /// Creates a public image with these fields, uploads `data`, returns the id once it is active.
    public func upload(_ fields: [String: String], _ data: Data) async throws -> String {
        let fields = fields.merging(["visibility": "public"]) { a, _ in a }
        let r1 = try await TestHTTP.send("POST", base + "/v2/images", body: fields, headers: ["X-Auth-Token": token])
        guard r1.status == 201, let id = r1["id"] as? String else {
            throw TestFailure("image create answered \(r1.status): \(String(decoding: r1.raw, as: UTF8.self))")
        }
        let r2 = try await TestHTTP.send("PUT", base + "/v2/images/\(id)/file", body: data,
                                         headers: ["X-Auth-Token": token, "Content-Type": "application/octet-stream"])
        guard r2.status == 204 else { throw TestFailure("image upload answered \(r2.status)") }
        return id
    }

    /// The tiny real guest (RealQEMU) as Image API images: a raw disk naming its kernel and initrd, booting with
    /// RealQEMU's command line. Returns the disk image's id.
    public func uploadRealGuest() async throws -> String {
        let kernel = try await upload(["name": "guest-kernel", "disk_format": "aki", "container_format": "aki"],
                                      try Data(contentsOf: URL(fileURLWithPath: RealQEMU.kernel)))
        let ramdisk = try await upload(["name": "guest-initrd", "disk_format": "ari", "container_format": "ari"],
                                       try Data(contentsOf: URL(fileURLWithPath: RealQEMU.initrd)))
        return try await upload(["name": "guest", "disk_format": "raw", "container_format": "bare",
                                 "kernel_id": kernel, "ramdisk_id": ramdisk, "os_command_line": RealQEMU.commandLine],
                                Data(count: 1 << 20))
    }
}
