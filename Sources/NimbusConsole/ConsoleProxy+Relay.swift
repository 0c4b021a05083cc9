import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOPosix
import NimbusStore

/// Hands a non-Sendable iterator to the one task that uses it from then on (the handshake is over, nothing else
/// touches it), which the compiler cannot see through a task group.
struct Handoff<T>: @unchecked Sendable {
    let value: T
}

extension ConsoleProxy {
    /// One console session: validate again (the token may have expired since the upgrade), connect to the
    /// compute's console, do `CONNECT <internal_access_path>` when set and, for VNC, the RFB security proxy,
    /// then relay both ways until either side closes.
    func serve(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, _ request: Request,
               client: String) async throws {
        guard let t = try await admit(request, client: client) else { return }
        let meta: Logger.Metadata = ["instance_uuid": "\(t.instanceUUID.uuidString.lowercased())", "client": "\(client)",
                                     "console": "\(settings.kind.rawValue)"]
        logger.info("console connected", metadata: meta)
        let started = ContinuousClock.now
        do {
            try await proxy(t, inbound, outbound)
            logger.info("console disconnected", metadata: meta.merging(["duration": "\(ContinuousClock.now - started)"]) { $1 })
        } catch ConsoleProxyError.sessionExpired {
            logger.info("console disconnected: token expired",
                        metadata: meta.merging(["duration": "\(ContinuousClock.now - started)"]) { $1 })
        } catch {
            logger.warning("console disconnected", metadata: meta.merging(["duration": "\(ContinuousClock.now - started)",
                                                                        "error": "\(error)"]) { $1 })
        }
    }

    private func proxy(_ t: ConsoleAuthToken, _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter)
        async throws
    {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: t.host, port: t.port) { ch in
                ch.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: ch) }
            }
        try await channel.executeThenClose { tcpIn, tcpOut in
            var server = ByteReader(tcpIn.makeAsyncIterator()) { $0 }
            var client = ByteReader(inbound.makeAsyncIterator()) { try Self.payload($0) }
            if let path = t.internalAccessPath, !path.isEmpty {
                try await tcpOut.write(ByteBuffer(string: "CONNECT \(path) HTTP/1.1\r\n\r\n"))
                let head = try await server.readHead()
                let status = head.split(separator: "\r\n").first?.split(separator: " ")
                guard let status, status.count >= 2, status[1] == "200" else {
                    throw ConsoleProxyError.handshake("CONNECT \(path) refused: \(head.prefix(80))")
                }
            }
            if settings.kind == .novnc {
                try await RFBSecurityProxy.negotiate(client: &client, server: &server,
                                                     toClient: { try await outbound.write(.binary($0)) },
                                                     toServer: { try await tcpOut.write($0) })
            }
            if let rest = client.leftover() { try await tcpOut.write(rest) }
            if let rest = server.leftover() { try await outbound.write(.binary(rest)) }
            let up = Handoff(value: client.source), down = Handoff(value: server.source)
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Each side is read only after the previous write was taken by the other side (NIO's writability
                // suspends the write), so at most one read is held per direction.
                group.addTask {
                    var frames = up.value
                    while let frame = try await frames.next() { try await tcpOut.write(try Self.payload(frame)) }
                }
                group.addTask {
                    var reads = down.value
                    while let bytes = try await reads.next() { try await outbound.write(.binary(bytes)) }
                }
                if settings.enforceSessionTimeout {
                    // Nova's enforce_session_timeout: the session ends when its token expires, whatever is relayed.
                    let expires = Double(t.expires)
                    group.addTask {
                        let left = expires - Date().timeIntervalSince1970
                        if left > 0 { try await Task.sleep(for: .seconds(left)) }
                        throw ConsoleProxyError.sessionExpired
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    /// noVNC speaks the `binary` subprotocol: data frames only.
    static func payload(_ frame: WebSocketDataFrame) throws -> ByteBuffer {
        guard frame.opcode == .binary || frame.opcode == .continuation else {
            throw ConsoleProxyError.handshake("text frames are not accepted (binary subprotocol)")
        }
        return frame.data
    }
}
