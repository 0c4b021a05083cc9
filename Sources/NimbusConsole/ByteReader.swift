import NIOCore

enum ConsoleProxyError: Error, CustomStringConvertible {
    case closed
    case tooLarge
    case handshake(String)
    /// `[consoleauth] enforce_session_timeout`: the token expired during the session.
    case sessionExpired

    var description: String {
        switch self {
        case .closed: "connection closed during the handshake"
        case .tooLarge: "handshake message too large"
        case .handshake(let why): why
        case .sessionExpired: "the console token expired (enforce_session_timeout)"
        }
    }
}

/// Reads exact byte counts from an async sequence of buffers (TCP reads, websocket frames) during a handshake;
/// what was read past the handshake is handed back by `leftover()` so the relay forwards it first.
struct ByteReader<Source: AsyncIteratorProtocol> {
    var source: Source
    let bytes: (Source.Element) throws -> ByteBuffer
    var buffer = ByteBuffer()
    /// Handshake messages are tiny: a peer that sends more without completing one is refused.
    static var limit: Int { 64 * 1024 }

    init(_ source: Source, bytes: @escaping (Source.Element) throws -> ByteBuffer) {
        self.source = source
        self.bytes = bytes
    }

    mutating func read(_ count: Int) async throws -> ByteBuffer {
        guard count <= Self.limit else { throw ConsoleProxyError.tooLarge }
        while buffer.readableBytes < count {
            guard let element = try await source.next() else { throw ConsoleProxyError.closed }
            var more = try bytes(element)
            buffer.writeBuffer(&more)
            if buffer.readableBytes > Self.limit { throw ConsoleProxyError.tooLarge }
        }
        return buffer.readSlice(length: count) ?? ByteBuffer()
    }

    mutating func readByte() async throws -> UInt8 {
        var b = try await read(1)
        return b.readInteger(as: UInt8.self) ?? 0
    }

    mutating func readUInt32() async throws -> UInt32 {
        var b = try await read(4)
        return b.readInteger(as: UInt32.self) ?? 0
    }

    /// Reads up to and including `\r\n\r\n` (an HTTP response head).
    mutating func readHead() async throws -> String {
        while true {
            if let end = buffer.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) {
                let length = end.upperBound - buffer.readableBytesView.startIndex
                return buffer.readString(length: length) ?? ""
            }
            guard let element = try await source.next() else { throw ConsoleProxyError.closed }
            var more = try bytes(element)
            buffer.writeBuffer(&more)
            if buffer.readableBytes > Self.limit { throw ConsoleProxyError.tooLarge }
        }
    }

    mutating func leftover() -> ByteBuffer? {
        defer { buffer = ByteBuffer() }
        return buffer.readableBytes > 0 ? buffer : nil
    }
}
