import NIOCore

/// Nova's RFB security proxy (`nova/console/securityproxy/rfb.py`): the proxy negotiates security with the
/// compute's VNC server itself and always offers the client the security type None, so the browser needs no
/// VNC credentials. Both sides must speak RFB 3.8. After it the compute's SecurityResult flows to the client.
enum RFBSecurityProxy {
    static let version = "RFB 003.008\n"
    static let none: UInt8 = 1

    /// `client` / `server` read from each side; `toClient` / `toServer` write to it.
    static func negotiate<C, S>(client: inout ByteReader<C>, server: inout ByteReader<S>,
                                toClient: (ByteBuffer) async throws -> Void,
                                toServer: (ByteBuffer) async throws -> Void) async throws {
        var v = try await server.read(12)
        let serverVersion = v.readString(length: 12) ?? ""
        guard serverVersion == version else {
            throw ConsoleProxyError.handshake("Security proxying requires RFB protocol version 3.8, but server sent \(serverVersion.debugDescription)")
        }
        try await toServer(ByteBuffer(string: version))
        try await toClient(ByteBuffer(string: version))
        var cv = try await client.read(12)
        let clientVersion = cv.readString(length: 12) ?? ""
        guard clientVersion == version else {
            throw ConsoleProxyError.handshake("Security proxying requires RFB protocol version 3.8, but tenant asked for \(clientVersion.debugDescription)")
        }

        let count = try await server.readByte()
        if count == 0 {
            // The server refused: pass its reason on as a failed SecurityResult.
            let length = try await server.readUInt32()
            var reason = try await server.read(Int(length))
            var b = ByteBuffer()
            b.writeInteger(UInt32(1))
            b.writeInteger(length)
            b.writeBuffer(&reason)
            try await toClient(b)
            throw ConsoleProxyError.handshake("the VNC server refused the connection")
        }
        var offered = try await server.read(Int(count))
        let types = offered.readBytes(length: offered.readableBytes) ?? []

        try await toClient(ByteBuffer(bytes: [1, none]))
        let chosen = try await client.readByte()
        guard chosen == none else {
            try await fail(toClient, toServer, "Only the security type None (1) is supported")
            throw ConsoleProxyError.handshake("the client chose security type \(chosen)")
        }
        // `[vnc] auth_schemes` = none (VeNCrypt is not implemented here).
        guard types.contains(none) else {
            try await fail(toClient, toServer, "Unable to negotiate security with server")
            throw ConsoleProxyError.handshake("the VNC server offers \(types), not None")
        }
        try await toServer(ByteBuffer(bytes: [none]))
    }

    /// Tells the client why (a failed SecurityResult with a reason) and the server "invalid" (type 0).
    static func fail(_ toClient: (ByteBuffer) async throws -> Void, _ toServer: (ByteBuffer) async throws -> Void,
                     _ message: String) async throws {
        var b = ByteBuffer()
        b.writeInteger(UInt32(1))
        b.writeInteger(UInt32(message.utf8.count))
        b.writeString(message)
        try await toClient(b)
        try await toServer(ByteBuffer(bytes: [0]))
    }
}
