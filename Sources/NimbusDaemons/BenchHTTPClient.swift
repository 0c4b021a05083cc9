import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 keep-alive client for `nimbus bench api`: one TCP connection to 127.0.0.1, blocking
/// reads on its own thread (never the cooperative pool). URLSession on Linux (libcurl underneath) added
/// about a millisecond per request and buffered the body in `Data`, which the earlier figures included;
/// this measures the server as curl or a Python client with a session would see it.
final class BenchHTTPClient {
    struct Failure: Error, CustomStringConvertible { var description: String }

    private let fd: Int32
    private let port: Int
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)

    init(port: Int) throws {
        self.port = port
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else { close(fd); throw Failure(description: "connect: \(errno)") }
    }

    deinit { close(fd) }

    /// Sends one GET and reads the whole response; returns the status and the body's size.
    func get(_ path: String, headers: [String: String]) throws -> (status: Int, bodyBytes: Int) {
        var head = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        head += "\r\n"
        let bytes = Array(head.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send: \(errno)") }
            sent += n
        }
        // Read until the header ends, then exactly Content-Length more bytes.
        var have = 0
        var headerEnd = -1
        while headerEnd < 0 {
            have += try receive(at: have)
            headerEnd = Self.find(buffer, upTo: have)
        }
        let header = String(decoding: buffer[0..<headerEnd], as: UTF8.self)
        let lines = header.split(separator: "\r\n")
        guard let statusLine = lines.first, statusLine.count >= 12,
              let status = Int(statusLine.dropFirst(9).prefix(3)) else {
            throw Failure(description: "bad status line")
        }
        guard let lengthLine = lines.first(where: { $0.lowercased().hasPrefix("content-length:") }),
              let length = Int(lengthLine.dropFirst(15).trimmingCharacters(in: .whitespaces)) else {
            throw Failure(description: "response without Content-Length")
        }
        let total = headerEnd + 4 + length
        if buffer.count < total { buffer += [UInt8](repeating: 0, count: total - buffer.count) }
        while have < total { have += try receive(at: have) }
        return (status, length)
    }

    private func receive(at offset: Int) throws -> Int {
        if offset == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + offset, $0.count - offset, 0) }
        guard n > 0 else { throw Failure(description: n == 0 ? "connection closed" : "recv: \(errno)") }
        return n
    }

    private static func find(_ b: [UInt8], upTo end: Int) -> Int {
        guard end >= 4 else { return -1 }
        for i in 0...(end - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i }
        return -1
    }
}
