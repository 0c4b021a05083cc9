import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct RawAnswer {
    var status: Int
    var headers: [String: String]
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
}

/// A one-request HTTP/1.1 client over a socket bound to a chosen source address (URLSession cannot choose one),
/// so tests can be "the guest at 127.0.0.2". The receive timeout only keeps a broken server from hanging the suite.
enum RawHTTP {
    static func send(_ method: String, _ path: String, to port: Int, from source: String, body: Data?,
                     headers: [String: String]) throws -> RawAnswer {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawError("socket: errno \(errno)") }
        defer { close(fd) }
        var tv = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        func address(_ ip: String, _ port: Int) -> sockaddr_in {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, ip, &a.sin_addr)
            return a
        }
        var local = address(source, 0), remote = address("127.0.0.1", port)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw RawError("bind \(source): errno \(errno)") }
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw RawError("connect: errno \(errno)") }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 169.254.169.254\r\nConnection: close\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        head += "Content-Length: \(body?.count ?? 0)\r\n\r\n"
        var out = Data(head.utf8)
        if let body { out.append(body) }
        try out.withUnsafeBytes { p in
            var sent = 0
            while sent < p.count {
                let n = Glibc.send(fd, p.baseAddress! + sent, p.count - sent, 0)
                guard n > 0 else { throw RawError("send: errno \(errno)") }
                sent += n
            }
        }
        var response = Data()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n < 0 { throw RawError("recv: errno \(errno)") }
            if n == 0 { break }
            response.append(contentsOf: buf[0..<n])
        }
        return try parse(response)
    }

    static func parse(_ d: Data) throws -> RawAnswer {
        guard let split = d.range(of: Data("\r\n\r\n".utf8)) else { throw RawError("no header end") }
        let lines = String(decoding: d[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        guard let status = lines.first?.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            throw RawError("bad status line")
        }
        var hs: [String: String] = [:]
        for l in lines.dropFirst() {
            guard let c = l.firstIndex(of: ":") else { continue }
            hs[l[..<c].lowercased()] = l[l.index(after: c)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Data(d[split.upperBound...])
        if hs["transfer-encoding"] == "chunked" { body = dechunk(body) }
        return RawAnswer(status: status, headers: hs, body: body)
    }

    static func dechunk(_ d: Data) -> Data {
        var out = Data(), rest = d[...]
        while let nl = rest.range(of: Data("\r\n".utf8)),
              let size = Int(String(decoding: rest[..<nl.lowerBound], as: UTF8.self), radix: 16), size > 0 {
            let start = nl.upperBound
            guard rest.distance(from: start, to: rest.endIndex) >= size else { break }
            let end = rest.index(start, offsetBy: size)
            out.append(rest[start..<end])
            rest = rest[rest.index(end, offsetBy: min(2, rest.distance(from: end, to: rest.endIndex)))...]
        }
        return out
    }
}

struct RawError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
