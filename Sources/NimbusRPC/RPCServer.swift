import Foundation
import Logging
import NimbusKernel
import ServiceLifecycle

/// Serves RPC endpoints on one transport target. Runs as a ServiceLifecycle service: on graceful
/// shutdown it stops listening and lets in-flight handlers finish.
public final class RPCServer: Service, Sendable {
    public let target: TransportTarget
    private let transport: any Transport
    private let endpoints: [String: RPCEndpoint]
    private let logger: Logger
    private let ready: AsyncStream<Void>.Continuation?

    public init(
        transport: any Transport, target: TransportTarget, endpoints: [RPCEndpoint], logger: Logger,
        ready: AsyncStream<Void>.Continuation? = nil
    ) {
        self.transport = transport
        self.target = target
        self.endpoints = Dictionary(endpoints.map { ($0.namespace ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        self.logger = logger
        self.ready = ready
    }

    public func run() async throws {
        let subscription = try await transport.listen(target)
        ready?.yield()
        logger.debug("rpc server listening", metadata: ["target": "\(target)"])
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await message in subscription.messages {
                    group.addTask { await self.handle(message) }
                }
            }
        } onGracefulShutdown: {
            Task { await subscription.cancel() }
        }
    }

    /// Handles one inbound message; never throws: errors go back to the caller or to the log.
    func handle(_ message: InboundMessage) async {
        let reply = message.replyChannel
        let header: Envelope.RequestHeader
        let body: Data
        do {
            (header, body) = try Envelope.unframe(message.payload, as: Envelope.RequestHeader.self)
            guard header.v == Envelope.formatVersion else {
                throw RPCError.malformed("envelope format v\(header.v), this server speaks v\(Envelope.formatVersion)")
            }
        } catch {
            logger.warning("dropping malformed rpc message", metadata: ["target": "\(target)", "error": "\(error)"])
            await send(reply, requestID: nil, error: Self.remoteError(error))
            return
        }
        await RequestContext.$requestID.withValue(header.requestID) {
            var log = logger
            log[metadataKey: "request_id"] = header.requestID.map { .string($0) }
            do {
                guard let endpoint = endpoints[header.namespace ?? ""], let handler = endpoint.handlers[header.method]
                else {
                    // A method this server does not know, at a version newer than it serves, is a server older
                    // than its caller (mid rolling upgrade): say so, typed, rather than "no such method".
                    if let endpoint = endpoints[header.namespace ?? ""], !endpoint.accepts(header.version) {
                        throw RPCError.unsupportedVersion(method: header.method, requested: header.version,
                                                          served: endpoint.version)
                    }
                    throw RPCError.noSuchMethod(header.method)
                }
                guard endpoint.accepts(header.version) else {
                    throw RPCError.unsupportedVersion(
                        method: header.method, requested: header.version, served: endpoint.version)
                }
                let result = try await handler(body)
                if let reply {
                    let frame = Envelope.frame(header: Envelope.ReplyHeader(requestID: header.requestID, error: nil),
                                               body: result)
                    try await reply.reply(frame)
                }
            } catch {
                let remote = Self.remoteError(error)
                if reply == nil {
                    log.warning("cast '\(header.method)' failed", metadata: ["error": "\(remote)"])
                } else {
                    log.debug("call '\(header.method)' failed", metadata: ["error": "\(remote)"])
                }
                await send(reply, requestID: header.requestID, error: remote)
            }
        }
    }

    private func send(_ reply: (any ReplyChannel)?, requestID: String?, error: RemoteError) async {
        guard let reply else { return }
        do {
            let frame = Envelope.frame(header: Envelope.ReplyHeader(requestID: requestID, error: error), body: Data())
            try await reply.reply(frame)
        } catch {
            logger.warning("could not send rpc error reply", metadata: ["error": "\(error)"])
        }
    }

    static func remoteError(_ error: any Error) -> RemoteError {
        switch error {
        case let e as RemoteError: return e
        case let e as RPCError:
            return RemoteError(type: e.typeName, message: e.description, payload: try? Envelope.encoder.encode(e))
        case let e as NoValidHost:
            return RemoteError(type: "NoValidHost", message: e.message, payload: try? Envelope.encoder.encode(e))
        case let e as any RPCTransmittableError:
            return RemoteError(type: type(of: e).rpcTypeName, message: "\(e)", payload: try? Envelope.encoder.encode(e))
        default: return RemoteError(type: String(describing: type(of: error)), message: "\(error)")
        }
    }
}
