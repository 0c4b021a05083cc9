import Foundation

/// A Nova-style RPC API version, `major.minor`. A server at `6.5` serves any `6.x` with `x ≤ 5`.
public struct RPCVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let major: Int
    public let minor: Int

    public init(_ major: Int, _ minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `"6.5"`; nil for anything else (a config value or a header from the wire).
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 4 && $0.allSatisfy(\.isASCII) }),
              let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0, minor >= 0
        else { return nil }
        self.init(major, minor)
    }

    public var description: String { "\(major).\(minor)" }

    /// oslo.messaging's `version_is_compatible(self, other)`: same major, and `other` no newer.
    public func admits(_ other: RPCVersion) -> Bool { major == other.major && other.minor <= minor }

    public static func < (a: RPCVersion, b: RPCVersion) -> Bool { (a.major, a.minor) < (b.major, b.minor) }
}

/// One RPC API (Nova's `ComputeAPI`, `SchedulerAPI`, `ComputeTaskAPI`, `ConductorAPI`): where it is served
/// and its current version. A contract module declares one enum conforming to this, with its methods.
public protocol RPCAPIContract: Sendable {
    /// The key under `[upgrade_levels]` that pins callers of this API (`compute`, `scheduler`, …).
    static var name: String { get }
    static var topic: String { get }
    /// Several APIs may share a topic (the conductor serves `compute_task` beside its default one).
    static var namespace: String? { get }
    /// The version servers built from this code serve.
    static var version: RPCVersion { get }
    /// Every method of the API (golden fixture tests walk this list).
    static var methods: [RPCMethodInfo] { get }
}

public enum RPCKind: String, Sendable, Hashable {
    /// Request/reply: the caller waits for the result or a typed error.
    case call
    /// One-way: nothing comes back.
    case cast
}

/// A typed method descriptor: the API it belongs to, its wire name, call or cast, and the API version that
/// introduced it in this form (stamped on every message, so an older server of the same major still serves
/// it). A static value: using it costs no allocation per call.
public struct RPCMethod<API: RPCAPIContract, Args: Codable & Sendable, Reply: Codable & Sendable>: Sendable {
    public let name: String
    public let kind: RPCKind
    public let since: RPCVersion
    /// `since` as the header carries it, formatted once.
    public let sinceText: String

    public init(_ kind: RPCKind, _ name: String, since: RPCVersion) {
        self.name = name
        self.kind = kind
        self.since = since
        sinceText = since.description
    }

    public var info: RPCMethodInfo { RPCMethodInfo(api: API.name, name: name, kind: kind, since: since) }
}

/// A descriptor without its types, for listings.
public struct RPCMethodInfo: Sendable, Hashable, CustomStringConvertible {
    public let api: String
    public let name: String
    public let kind: RPCKind
    public let since: RPCVersion

    public var description: String { "\(api).\(name) (\(kind), since \(since))" }
}

extension Envelope {
    /// Encodes an RPC body exactly as it goes on the wire (fixture tests compare against this).
    public static func encodeBody(_ value: some Encodable) throws -> Data { try encoder.encode(value) }

    public static func decodeBody<T: Decodable>(_: T.Type, from data: Data) throws -> T {
        try decoder.decode(T.self, from: data)
    }
}
