import Foundation

/// The RPC wire format, version 2: `[u32 big-endian header length][binary header][body JSON]`.
/// The header is a few length-prefixed fields, decoded first without JSON (it is on every message's hot
/// path); the body is decoded only by the handler that owns the method, which leaves room for a binary body
/// codec later without touching the header.
public enum Envelope {
    public static let formatVersion = 2

    public struct RequestHeader: Sendable, Hashable, EnvelopeHeader {
        public var v: Int
        public var method: String
        /// The RPC API version this message needs (`major.minor`, Nova-style).
        public var version: String
        public var namespace: String?
        public var requestID: String?

        public init(v: Int = Envelope.formatVersion, method: String, version: String, namespace: String? = nil,
                    requestID: String? = nil) {
            self.v = v
            self.method = method
            self.version = version
            self.namespace = namespace
            self.requestID = requestID
        }

        public func write(to w: inout HeaderWriter) {
            w.byte(UInt8(truncatingIfNeeded: v))
            w.string(method)
            w.string(version)
            w.optional(namespace)
            w.optional(requestID)
        }

        public static func read(from r: inout HeaderReader) throws(RPCError) -> Self {
            Self(v: Int(try r.byte()), method: try r.string(), version: try r.string(), namespace: try r.optional(),
                 requestID: try r.optional())
        }
    }

    public struct ReplyHeader: Sendable, Hashable, EnvelopeHeader {
        public var v: Int
        public var requestID: String?
        public var error: RemoteError?

        public init(v: Int = Envelope.formatVersion, requestID: String?, error: RemoteError?) {
            self.v = v
            self.requestID = requestID
            self.error = error
        }

        public func write(to w: inout HeaderWriter) {
            w.byte(UInt8(truncatingIfNeeded: v))
            w.optional(requestID)
            w.byte(error == nil ? 0 : 1)
            if let error {
                w.string(error.type)
                w.string(error.message)
                w.bytes(error.payload)
            }
        }

        public static func read(from r: inout HeaderReader) throws(RPCError) -> Self {
            let v = Int(try r.byte())
            let rid = try r.optional()
            guard try r.byte() == 1 else { return Self(v: v, requestID: rid, error: nil) }
            return Self(v: v, requestID: rid,
                        error: RemoteError(type: try r.string(), message: try r.string(), payload: try r.bytes()))
        }
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .secondsSince1970
        return e
    }()

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .secondsSince1970
        return d
    }()

    public static func frame(header: some EnvelopeHeader, body: Data) -> Data {
        var w = HeaderWriter()
        header.write(to: &w)
        var out = Data(capacity: 4 + w.data.count + body.count)
        var len = UInt32(w.data.count).bigEndian
        withUnsafeBytes(of: &len) { out.append(contentsOf: $0) }
        out.append(w.data)
        out.append(body)
        return out
    }

    public static func unframe<H: EnvelopeHeader>(_ data: Data, as: H.Type) throws(RPCError) -> (H, Data) {
        guard data.count >= 4 else { throw .malformed("frame of \(data.count) bytes is shorter than its length prefix") }
        let s = data.startIndex
        let len = Int(UInt32(data[s]) << 24 | UInt32(data[s + 1]) << 16 | UInt32(data[s + 2]) << 8 | UInt32(data[s + 3]))
        guard len <= data.count - 4 else { throw .malformed("header length \(len) exceeds frame of \(data.count) bytes") }
        var reader = HeaderReader(data[(s + 4)..<(s + 4 + len)])
        let header = try H.read(from: &reader)
        guard reader.atEnd else { throw .malformed("trailing bytes in the header") }
        return (header, Data(data[(s + 4 + len)...]))
    }
}

/// A header that writes itself as length-prefixed fields.
public protocol EnvelopeHeader: Sendable {
    func write(to w: inout HeaderWriter)
    static func read(from r: inout HeaderReader) throws(RPCError) -> Self
}

/// Strings are `u16 length + UTF-8`, optional strings a presence byte first, byte blobs `u32 length + bytes`.
public struct HeaderWriter {
    public private(set) var data = Data()

    mutating func byte(_ b: UInt8) { data.append(b) }

    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8.prefix(Int(UInt16.max)))
        data.append(UInt8(utf8.count >> 8))
        data.append(UInt8(utf8.count & 0xff))
        data.append(contentsOf: utf8)
    }

    mutating func optional(_ s: String?) {
        byte(s == nil ? 0 : 1)
        if let s { string(s) }
    }

    mutating func bytes(_ d: Data?) {
        let n = UInt32(d?.count ?? 0)
        for shift in [24, 16, 8, 0] { data.append(UInt8(truncatingIfNeeded: n >> UInt32(shift))) }
        if let d { data.append(d) }
    }
}

public struct HeaderReader {
    private let data: Data
    private var i: Data.Index

    init(_ data: Data) {
        self.data = data
        i = data.startIndex
    }

    var atEnd: Bool { i == data.endIndex }

    private mutating func take(_ n: Int) throws(RPCError) -> Data {
        guard n >= 0, data.endIndex - i >= n else { throw .malformed("header ends early") }
        defer { i += n }
        return data[i..<(i + n)]
    }

    mutating func byte() throws(RPCError) -> UInt8 { try take(1).first! }

    mutating func string() throws(RPCError) -> String {
        let l = try take(2)
        let n = Int(l[l.startIndex]) << 8 | Int(l[l.startIndex + 1])
        guard let s = String(data: try take(n), encoding: .utf8) else { throw .malformed("header string is not UTF-8") }
        return s
    }

    mutating func optional() throws(RPCError) -> String? {
        switch try byte() {
        case 0: return nil
        case 1: return try string()
        default: throw .malformed("bad presence byte in header")
        }
    }

    mutating func bytes() throws(RPCError) -> Data? {
        let l = try take(4)
        let n = l.reduce(0) { $0 << 8 | Int($1) }
        return n == 0 ? nil : try take(n)
    }
}

/// An error raised by the remote side, carried back to the caller with its type name and,
/// for errors the caller may want to inspect (NoValidHost), a JSON payload.
public struct RemoteError: Error, Codable, Sendable, Hashable, CustomStringConvertible {
    public var type: String
    public var message: String
    public var payload: Data?

    public init(type: String, message: String, payload: Data? = nil) {
        self.type = type
        self.message = message
        self.payload = payload
    }

    public func decode<T: Decodable>(_: T.Type) -> T? {
        payload.flatMap { try? Envelope.decoder.decode(T.self, from: $0) }
    }

    public var description: String { "\(type): \(message)" }
}

/// Errors of the RPC layer itself. They cross the wire typed: the server sends the case as the payload and
/// the client throws it again as an `RPCError` (not a `RemoteError`), so callers can match on it.
public enum RPCError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    case malformed(String)
    case noSuchMethod(String)
    /// The server is older than the method (a rolling upgrade not finished): pin the caller with
    /// `[upgrade_levels]` or upgrade the server.
    case unsupportedVersion(method: String, requested: String, served: String)
    case badArguments(method: String, reason: String)
    /// Refused before sending: `[upgrade_levels]` pins the API below the version the method needs.
    case versionCapped(method: String, api: String, requires: String, pinned: String)
    /// A cast descriptor called (or the reverse): a programming error, caught before sending.
    case wrongKind(method: String, declared: String)

    public var description: String {
        switch self {
        case .malformed(let why): "malformed RPC message: \(why)"
        case .noSuchMethod(let m): "endpoint has no method '\(m)'"
        case .unsupportedVersion(let m, let r, let s):
            "'\(m)' requested version \(r) but the server serves \(s) (upgrade the server, or pin the caller with [upgrade_levels])"
        case .badArguments(let m, let why): "bad arguments for '\(m)': \(why)"
        case .versionCapped(let m, let api, let needs, let pinned):
            "'\(m)' needs \(api) RPC API \(needs) but [upgrade_levels] \(api) pins \(pinned); not sent"
        case .wrongKind(let m, let declared): "'\(m)' is declared as a \(declared)"
        }
    }

    static let typeNames: Set<String> = [
        "MalformedMessage", "NoSuchMethod", "UnsupportedVersion", "BadArguments", "VersionCapped", "WrongKind",
    ]

    var typeName: String {
        switch self {
        case .malformed: "MalformedMessage"
        case .noSuchMethod: "NoSuchMethod"
        case .unsupportedVersion: "UnsupportedVersion"
        case .badArguments: "BadArguments"
        case .versionCapped: "VersionCapped"
        case .wrongKind: "WrongKind"
        }
    }

    /// The typed error inside a remote one, when the remote side's RPC layer raised it.
    static func typed(_ remote: RemoteError) -> (any Error) {
        guard typeNames.contains(remote.type), let e = remote.decode(RPCError.self) else { return remote }
        return e
    }
}

/// Errors that travel with a payload the caller can decode (conform and they cross RPC intact).
public protocol RPCTransmittableError: Error, Codable {
    static var rpcTypeName: String { get }
}
