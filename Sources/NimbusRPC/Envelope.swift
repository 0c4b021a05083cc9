import Foundation

/// The RPC wire format, version 1: `[u32 big-endian header length][header JSON][body JSON]`.
/// The header is small and decoded first; the body is decoded only by the handler that owns the method,
/// which leaves room for a binary body codec later without touching the header.
public enum Envelope {
    public static let formatVersion = 1

    public struct RequestHeader: Codable, Sendable {
        public var v: Int
        public var method: String
        /// The RPC API version this message needs (`major.minor`, Nova-style).
        public var version: String
        public var namespace: String?
        public var requestID: String?
    }

    public struct ReplyHeader: Codable, Sendable {
        public var v: Int
        public var requestID: String?
        public var error: RemoteError?
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

    public static func frame(header: some Encodable, body: Data) throws -> Data {
        let h = try encoder.encode(header)
        var out = Data(capacity: 4 + h.count + body.count)
        var len = UInt32(h.count).bigEndian
        withUnsafeBytes(of: &len) { out.append(contentsOf: $0) }
        out.append(h)
        out.append(body)
        return out
    }

    public static func unframe<H: Decodable>(_ data: Data, as: H.Type) throws(RPCError) -> (H, Data) {
        guard data.count >= 4 else { throw .malformed("frame of \(data.count) bytes is shorter than its length prefix") }
        let bytes = [UInt8](data.prefix(4))
        let len = Int(UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3]))
        let start = data.startIndex + 4
        guard len <= data.count - 4 else { throw .malformed("header length \(len) exceeds frame of \(data.count) bytes") }
        let header: H
        do { header = try decoder.decode(H.self, from: data[start..<start + len]) } catch {
            throw .malformed("undecodable header: \(error)")
        }
        return (header, Data(data[(start + len)...]))
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

/// Errors of the RPC layer itself.
public enum RPCError: Error, Sendable, Hashable, CustomStringConvertible {
    case malformed(String)
    case noSuchMethod(String)
    case unsupportedVersion(method: String, requested: String, served: String)
    case badArguments(method: String, reason: String)

    public var description: String {
        switch self {
        case .malformed(let why): "malformed RPC message: \(why)"
        case .noSuchMethod(let m): "endpoint has no method '\(m)'"
        case .unsupportedVersion(let m, let r, let s): "'\(m)' requested version \(r) but the server serves \(s)"
        case .badArguments(let m, let why): "bad arguments for '\(m)': \(why)"
        }
    }

    var typeName: String {
        switch self {
        case .malformed: "MalformedMessage"
        case .noSuchMethod: "NoSuchMethod"
        case .unsupportedVersion: "UnsupportedVersion"
        case .badArguments: "BadArguments"
        }
    }
}

/// Errors that travel with a payload the caller can decode (conform and they cross RPC intact).
public protocol RPCTransmittableError: Error, Codable {
    static var rpcTypeName: String { get }
}
