import Foundation

/// The methods one API serves at one version (Nova's `target = messaging.Target(version='6.5')`).
/// A request is accepted when its major version matches and its minor is not newer than ours.
public struct RPCEndpoint: Sendable {
    public typealias Handler = @Sendable (Data) async throws -> Data

    public let namespace: String?
    public let version: String
    public private(set) var handlers: [String: Handler] = [:]

    public init(namespace: String? = nil, version: String) {
        self.namespace = namespace
        self.version = version
    }

    /// Registers a method whose arguments and result are Codable.
    public mutating func on<A: Decodable & Sendable, R: Encodable & Sendable>(
        _ method: String, _ body: @escaping @Sendable (A) async throws -> R
    ) {
        handlers[method] = { data in
            let args: A
            do { args = try Envelope.decoder.decode(A.self, from: data) } catch {
                throw RPCError.badArguments(method: method, reason: "\(error)")
            }
            return try Envelope.encoder.encode(try await body(args))
        }
    }

    static func parse(_ v: String) -> (Int, Int)? {
        let parts = v.split(separator: ".")
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]) else { return nil }
        return (major, minor)
    }

    func accepts(_ requested: String) -> Bool {
        guard let r = Self.parse(requested), let s = Self.parse(version) else { return false }
        return r.0 == s.0 && r.1 <= s.1
    }
}
