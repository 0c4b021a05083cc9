import Foundation
import NimbusKernel

/// Calls methods of the RPC server(s) behind a target: `call` waits for the reply (with a timeout),
/// `cast` is one-way, `fanout` reaches every server of the topic.
public struct RPCClient: Sendable {
    public let transport: any Transport
    public let target: TransportTarget
    public let namespace: String?
    /// The version stamped on messages unless a call names its own (the client's version cap).
    public let version: String
    public let timeout: Duration

    public init(
        transport: any Transport, target: TransportTarget, namespace: String? = nil, version: String = "1.0",
        timeout: Duration = .seconds(60)
    ) {
        self.transport = transport
        self.target = target
        self.namespace = namespace
        self.version = version
        self.timeout = timeout
    }

    /// The same client aimed at one server of the topic (`compute` → `compute.host1`).
    public func prepare(server: String?, timeout: Duration? = nil) -> RPCClient {
        RPCClient(transport: transport, target: TransportTarget(topic: target.topic, server: server),
                  namespace: namespace, version: version, timeout: timeout ?? self.timeout)
    }

    private func encode(_ method: String, _ args: some Encodable, version: String?) throws -> Data {
        let header = Envelope.RequestHeader(method: method, version: version ?? self.version, namespace: namespace,
                                            requestID: RequestContext.requestID)
        return Envelope.frame(header: header, body: try Envelope.encoder.encode(args))
    }

    public func call<R: Decodable>(
        _ method: String, _ args: some Encodable, returning: R.Type = R.self, version: String? = nil,
        timeout: Duration? = nil
    ) async throws -> R {
        let reply = try await transport.request(
            encode(method, args, version: version), to: target, timeout: timeout ?? self.timeout)
        let (header, body) = try Envelope.unframe(reply, as: Envelope.ReplyHeader.self)
        if let error = header.error { throw RPCError.typed(error) }
        do { return try Envelope.decoder.decode(R.self, from: body) } catch {
            throw RPCError.malformed("reply to '\(method)' does not decode as \(R.self): \(error)")
        }
    }

    public func cast(_ method: String, _ args: some Encodable, version: String? = nil) async throws {
        try await transport.send(encode(method, args, version: version), to: target)
    }

    public func fanout(_ method: String, _ args: some Encodable, version: String? = nil) async throws {
        try await transport.fanout(encode(method, args, version: version), topic: target.topic)
    }
}

/// An empty argument or result.
public struct Empty: Codable, Sendable, Hashable {
    public init() {}
}
