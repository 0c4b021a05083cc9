import Foundation
import NimbusKernel

/// The transport's own header, sent as the first frame of every message (the payload is the second).
/// Binary and fixed-layout so a ROUTER can route without touching the payload:
///
///     "NZ" | version u8 | kind u8 | request id u64 BE | topic len u16 BE | topic | server len u16 BE | server
///
/// A server length of 0xFFFF means "no server". Replies and errors carry the request id and an empty target.
struct WireHeader: Equatable {
    enum Kind: UInt8 {
        case request = 1, cast = 2, fanout = 3, reply = 4, error = 5
    }

    static let magic: [UInt8] = [0x4E, 0x5A]
    static let version: UInt8 = 1
    static let noServer: UInt16 = 0xFFFF

    var kind: Kind
    var requestID: UInt64
    var target: TransportTarget

    init(kind: Kind, requestID: UInt64 = 0, target: TransportTarget = TransportTarget(topic: "")) {
        self.kind = kind
        self.requestID = requestID
        self.target = target
    }

    func encoded() -> Data {
        let topic = Array(target.topic.utf8.prefix(Int(UInt16.max - 1)))
        let server = target.server.map { Array($0.utf8.prefix(Int(UInt16.max - 1))) }
        var out = [UInt8]()
        out.reserveCapacity(16 + topic.count + (server?.count ?? 0))
        out += Self.magic
        out.append(Self.version)
        out.append(kind.rawValue)
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: requestID >> UInt64(shift))) }
        Self.append16(&out, UInt16(topic.count))
        out += topic
        if let server {
            Self.append16(&out, UInt16(server.count))
            out += server
        } else {
            Self.append16(&out, Self.noServer)
        }
        return Data(out)
    }

    private static func append16(_ out: inout [UInt8], _ v: UInt16) {
        out.append(UInt8(v >> 8))
        out.append(UInt8(v & 0xFF))
    }

    enum DecodeError: Error, CustomStringConvertible {
        case malformed(String)
        var description: String { if case .malformed(let why) = self { why } else { "" } }
    }

    /// Parses a header frame; anything that is not exactly this layout is rejected (no partial trust).
    static func decode(_ data: Data) throws(DecodeError) -> WireHeader {
        let b = [UInt8](data)
        guard b.count >= 16 else { throw .malformed("header of \(b.count) bytes is too short") }
        guard b[0] == magic[0], b[1] == magic[1] else { throw .malformed("bad magic") }
        guard b[2] == version else { throw .malformed("unsupported header version \(b[2])") }
        guard let kind = Kind(rawValue: b[3]) else { throw .malformed("unknown message kind \(b[3])") }
        var id: UInt64 = 0
        for i in 4..<12 { id = id << 8 | UInt64(b[i]) }
        var pos = 12
        func read16() throws(DecodeError) -> Int {
            guard pos + 2 <= b.count else { throw .malformed("truncated header") }
            defer { pos += 2 }
            return Int(b[pos]) << 8 | Int(b[pos + 1])
        }
        func readString(_ n: Int) throws(DecodeError) -> String {
            guard pos + n <= b.count else { throw .malformed("truncated header") }
            defer { pos += n }
            guard let s = String(validating: b[pos..<pos + n], as: UTF8.self) else { throw .malformed("target is not UTF-8") }
            return s
        }
        let topic = try readString(try read16())
        let serverLength = try read16()
        let server: String? = serverLength == Int(noServer) ? nil : try readString(serverLength)
        guard pos == b.count else { throw .malformed("\(b.count - pos) trailing bytes in header") }
        return WireHeader(kind: kind, requestID: id, target: TransportTarget(topic: topic, server: server))
    }
}

/// Why a server refused a request; sent as the payload of an `error` reply: code byte + UTF-8 text.
enum WireFailure: UInt8 {
    case noListener = 1, queueFull = 2, tooLarge = 3, malformed = 4, closed = 5

    static func payload(_ code: WireFailure, _ text: String) -> Data { Data([code.rawValue]) + Data(text.utf8) }

    /// Turns an error reply back into the `TransportError` the caller sees.
    static func error(from payload: Data, target: TransportTarget, maxMessageSize: Int) -> TransportError {
        let text = String(decoding: payload.dropFirst(), as: UTF8.self)
        switch payload.first.flatMap(WireFailure.init(rawValue:)) {
        case .noListener: return .noListener(target)
        case .queueFull: return .queueFull(target)
        case .tooLarge:  // text is "<size> <limit>"
            let parts = text.split(separator: " ").compactMap { Int($0) }
            return .messageTooLarge(parts.first ?? 0, limit: parts.count > 1 ? parts[1] : maxMessageSize)
        case .closed: return .closed
        case .malformed, nil: return .connectionFailed("server rejected the message: \(text)")
        }
    }
}
