import Foundation
import NimbusKernelTestKit
import NimbusTestCloud

extension TestCloud {
    /// The end-to-end cloud: 4 fake hosts by default and no quota limits (these tests boot more than Nova's
    /// default quotas allow).
    static func e2e(hosts: Int = 4, _ overrides: [String: String] = [:]) async throws -> TestCloud {
        var settings = ["quota.instances": "-1", "quota.cores": "-1", "quota.ram": "-1"]
        settings.merge(overrides) { _, new in new }
        return try await start(hosts: hosts, settings)
    }
}

func sum(_ rows: [[String: Any]], _ key: String) -> Int { rows.reduce(0) { $0 + ($1[key] as? Int ?? 0) } }

/// A free TCP port on 127.0.0.1 (bound, read back, released).
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
}
