#if canImport(Glibc)
import Glibc
#endif
import NimbusKernel

/// Nova's `serial_console.acquire_port`: a TCP port of `[serial_console] port_range` nothing listens on,
/// checked by binding it. Probing starts at a random port, so concurrent spawns rarely pick the same one
/// (QEMU binding it first makes the other spawn fail and reschedule).
enum SerialPorts {
    static func acquire(host: String, in range: ClosedRange<Int>) throws -> GuestConfig.SerialTCP {
        let count = range.count
        let start = Int.random(in: 0..<count)
        for i in 0..<min(count, 4096) {
            let port = range.lowerBound + (start + i) % count
            if isFree(host: host, port: port) { return GuestConfig.SerialTCP(host: host, port: port) }
        }
        throw VirtDriverError.spawnFailed("No free port available in [serial_console] port_range \(range) on \(host)")
    }

    static func isFree(host: String, port: Int) -> Bool {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { return true }  // not IPv4: let QEMU decide
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return true }
        defer { close(fd) }
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
