/// Where a peer's RPC server listens and, when the transport encrypts, the public key it proves.
public struct PeerAddress: Codable, Sendable, Hashable {
    public var endpoint: String
    public var publicKey: String?

    public init(endpoint: String, publicKey: String? = nil) {
        self.endpoint = endpoint
        self.publicKey = publicKey
    }
}

/// A transport whose servers have network addresses peers must learn (ZeroMQ): a compute binds and
/// reports its endpoint through the conductor; controller processes resolve `compute.<host>` from the
/// services table. The daemons use only this protocol, never the plugin itself.
public protocol AddressedTransport: Transport {
    /// This node's public key when messages are encrypted (what peers put in their allow-lists).
    var publicKey: String? { get }
    /// Binds this process's server socket and returns the endpoint peers should use.
    func bind() async throws -> String
    /// Consulted for targets the transport cannot route by itself (called synchronously, so it must be quick).
    func setPeerResolver(_ resolver: (@Sendable (TransportTarget) -> [PeerAddress])?)
}
