import Foundation
import NIOCore
import NIOPosix

/// The fake guests' consoles: per guest, started on first use on 127.0.0.1 with an ephemeral port, closed
/// when the guest is destroyed. VNC is a tiny RFB 3.8 server (handshake, security None, a fixed framebuffer
/// named after the guest); serial writes a boot marker then echoes. Enough for a proxy to be tested end to end.
actor FakeConsoleServers {
    enum Kind: Hashable { case vnc, serial }
    struct Key: Hashable {
        var guest: UUID
        var kind: Kind
    }

    private var servers: [Key: Task<any Channel, any Error>] = [:]

    /// The port of the guest's console server of this kind, starting it the first time.
    func port(_ guest: UUID, _ kind: Kind, name: String) async throws -> Int {
        let key = Key(guest: guest, kind: kind)
        let task = servers[key] ?? Task { try await Self.listen(kind, name: name, guest: guest) }
        servers[key] = task
        let channel = try await task.value
        return channel.localAddress?.port ?? 0
    }

    func close(_ guest: UUID) async {
        for kind in [Kind.vnc, .serial] {
            guard let task = servers.removeValue(forKey: Key(guest: guest, kind: kind)) else { continue }
            try? await task.value.close()
        }
    }

    private static func listen(_ kind: Kind, name: String, guest: UUID) async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    switch kind {
                    case .vnc: try channel.pipeline.syncOperations.addHandler(FakeRFBServerHandler(name: name))
                    case .serial:
                        try channel.pipeline.syncOperations.addHandler(FakeSerialHandler(
                            marker: "Nimbus fake guest \(guest.uuidString.lowercased()) booted\r\n\(name) login: "))
                    }
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }
}

/// RFB 3.8 (RFC 6143) up to ServerInit; whatever the client sends after ClientInit is read and dropped.
final class FakeRFBServerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    static let width: UInt16 = 640
    static let height: UInt16 = 480

    enum Stage { case version, securityChoice, clientInit, running }
    private var stage = Stage.version
    private var pending = ByteBuffer()
    private let name: String

    init(name: String) { self.name = name }

    func channelActive(context: ChannelHandlerContext) {
        send(context, Array("RFB 003.008\n".utf8))
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if stage == .running { return }  // the fixed framebuffer never changes: drop client messages
        pending.writeBuffer(&bytes)
        while true {
            switch stage {
            case .version:
                guard let v = pending.readString(length: 12) else { return }
                guard v.hasPrefix("RFB 003.") else { return context.close(promise: nil) }
                send(context, [1, 1])  // one security type: None
                stage = .securityChoice
            case .securityChoice:
                guard let choice = pending.readInteger(as: UInt8.self) else { return }
                guard choice == 1 else {
                    let reason = Array("security type \(choice) not offered".utf8)
                    var b = context.channel.allocator.buffer(capacity: 8 + reason.count)
                    b.writeInteger(UInt32(1))
                    b.writeInteger(UInt32(reason.count))
                    b.writeBytes(reason)
                    context.writeAndFlush(wrapOutboundOut(b)).whenComplete { _ in context.close(promise: nil) }
                    return
                }
                send(context, [0, 0, 0, 0])  // SecurityResult OK
                stage = .clientInit
            case .clientInit:
                guard pending.readInteger(as: UInt8.self) != nil else { return }
                context.writeAndFlush(wrapOutboundOut(serverInit(context.channel.allocator)), promise: nil)
                stage = .running
                pending = ByteBuffer()
                return
            case .running:
                return
            }
        }
    }

    private func serverInit(_ allocator: ByteBufferAllocator) -> ByteBuffer {
        let n = Array(name.utf8.prefix(255))
        var b = allocator.buffer(capacity: 24 + n.count)
        b.writeInteger(Self.width)
        b.writeInteger(Self.height)
        // PIXEL_FORMAT: 32 bpp, depth 24, little endian, true colour, max 255/255/255, shifts 16/8/0, 3 padding.
        b.writeBytes([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0])
        b.writeInteger(UInt32(n.count))
        b.writeBytes(n)
        return b
    }

    private func send(_ context: ChannelHandlerContext, _ bytes: [UInt8]) {
        var b = context.channel.allocator.buffer(capacity: bytes.count)
        b.writeBytes(bytes)
        context.writeAndFlush(wrapOutboundOut(b), promise: nil)
    }
}

/// A guest serial port: the boot marker on connect, then an echo of what is typed.
final class FakeSerialHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let marker: String

    init(marker: String) { self.marker = marker }

    func channelActive(context: ChannelHandlerContext) {
        var b = context.channel.allocator.buffer(capacity: marker.utf8.count)
        b.writeString(marker)
        context.writeAndFlush(wrapOutboundOut(b), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.writeAndFlush(data, promise: nil)
    }
}
