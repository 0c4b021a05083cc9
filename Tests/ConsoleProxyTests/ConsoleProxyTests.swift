import Foundation
import HTTPTypes
import HummingbirdWSClient
import NIOCore
import NIOPosix
import NimbusConsole
import NimbusDaemons
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import NimbusTestCloud
import Synchronization
import Testing

/// The console path end to end (issue 14) on the fake driver: the URL the API answers, through the all-in-one's
/// proxy, to the fake guest's RFB server or serial port.
@Suite struct ConsoleProxyTests {
    struct Handshake: Sendable {
        var version: String
        var securityTypes: [UInt8]
        var securityResult: [UInt8]
        var width: Int
        var height: Int
        var name: String
    }

    /// A noVNC client's side of RFB 3.8 up to ServerInit.
    static let rfb: @Sendable (inout WSConsoleClient.Reader, WebSocketOutboundWriter) async throws -> Handshake = { r, w in
        let version = String(decoding: try await r.read(12), as: UTF8.self)
        try await w.write(.binary(ByteBuffer(string: "RFB 003.008\n")))
        let count = try await r.read(1)[0]
        let types = try await r.read(Int(count))
        try await w.write(WSConsoleClient.bytes([1]))  // None
        let result = try await r.read(4)
        try await w.write(WSConsoleClient.bytes([1]))  // ClientInit, shared
        let head = try await r.read(24)
        let nameLength = head[20..<24].reduce(0) { $0 << 8 | Int($1) }
        let name = String(decoding: try await r.read(min(nameLength, 4096)), as: UTF8.self)
        return Handshake(version: version, securityTypes: types, securityResult: result,
                         width: Int(head[0]) << 8 | Int(head[1]), height: Int(head[2]) << 8 | Int(head[3]), name: name)
    }

    static func consoleURL(_ cloud: TestCloud, _ id: String, _ proto: String = "vnc", _ type: String = "novnc")
        async throws -> String
    {
        let r = try await cloud.call("POST", "/v2.1/servers/\(id)/remote-consoles",
                                     ["remote_console": ["protocol": proto, "type": type]], version: "2.6")
        return try #require((r["remote_console"] as? [String: Any])?["url"] as? String, "\(r.status) \(r.body)")
    }

    /// Where noVNC would open its websocket for `url`: `ws://<proxy>/<path value>` (here on the proxy's bound port).
    static func webSocketURL(_ url: String, port: Int) throws -> String {
        let c = try #require(URLComponents(string: url))
        if let path = c.queryItems?.first(where: { $0.name == "path" })?.value { return "ws://127.0.0.1:\(port)/\(path)" }
        return "ws://127.0.0.1:\(port)/?\(c.percentEncodedQuery ?? "")"
    }

    static func token(_ wsURL: String) -> String {
        URLComponents(string: wsURL)?.queryItems?.first { $0.name == "token" }?.value ?? ""
    }

    static func webRoot() throws -> String {
        let dir = NSTemporaryDirectory() + "novnc-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "<html><head><script src=\"core/rfb.js\"></script></head><body>noVNC</body></html>\n"
            .write(toFile: dir + "/vnc_auto.html", atomically: true, encoding: .utf8)
        return dir
    }

    @Test func theAPIsURLReachesTheGuestsScreen() async throws {
        try await TestCloud.with(hosts: 1, ["vnc.novnc_web_root": try Self.webRoot()]) { cloud in
            let ids = try await cloud.boot("screen", count: 2)
            for id in ids { try await cloud.waitFor(id, status: "ACTIVE") }
            let port = try #require(await cloud.aio.consoleProxyPort(.novnc))
            let names = try await ids.asyncMap { id in
                let s = try await cloud.server(id)
                return s["name"] as? String ?? ""
            }
            for (id, name) in zip(ids, names) {
                let url = try Self.webSocketURL(try await Self.consoleURL(cloud, id), port: port)
                let h = try #require(try await WSConsoleClient.session(url, Self.rfb), "the proxy refused \(url)")
                #expect(h.version == "RFB 003.008\n")
                #expect(h.securityTypes == [1] && h.securityResult == [0, 0, 0, 0])
                #expect(h.width > 0 && h.height > 0)
                #expect(h.name == name)  // this server's console, not the other's
            }
            // The token also works from the `token` cookie.
            let url = try Self.webSocketURL(try await Self.consoleURL(cloud, ids[0]), port: port)
            var withCookie = WSConsoleClient.browserLike
            withCookie[.cookie] = "other=1; token=\(Self.token(url))"
            let cookie = try await WSConsoleClient.session("ws://127.0.0.1:\(port)/", headers: withCookie, Self.rfb)
            #expect(cookie?.width ?? 0 > 0)
            // Origin: a ws:// page for an http:// console URL is refused (Nova's scheme check), and so is a second
            // Origin header (the library's ws://127.0.0.1 plus ours).
            #expect(try await WSConsoleClient.session(url, headers: [.secWebSocketProtocol: "binary"], Self.rfb) == nil)
            var twoOrigins = WSConsoleClient.browserLike
            twoOrigins[try #require(HTTPField.Name("Origin"))] = "http://evil.example"
            #expect(try await WSConsoleClient.session(url, headers: twoOrigins, Self.rfb) == nil)

            // The web client's files.
            let page = try await TestHTTP.send("GET", "http://127.0.0.1:\(port)/vnc_auto.html")
            #expect(page.status == 200 && String(decoding: page.raw, as: UTF8.self).contains("noVNC"))
            #expect(try await TestHTTP.send("GET", "http://127.0.0.1:\(port)/missing.js").status == 404)
        }
    }

    @Test func badExpiredAndDeletedTokensAreRefused() async throws {
        try await TestCloud.with(hosts: 1, ["consoleauth.token_ttl": "1", "vnc.novnc_web_root": "/nonexistent/novnc"]) { cloud in
            let ids = try await cloud.boot("refused", count: 2)
            for id in ids { try await cloud.waitFor(id, status: "ACTIVE") }
            let port = try #require(await cloud.aio.consoleProxyPort(.novnc))
            #expect(try await WSConsoleClient.session("ws://127.0.0.1:\(port)/?token=\(UUID())", Self.rfb) == nil)
            #expect(try await WSConsoleClient.session("ws://127.0.0.1:\(port)/", Self.rfb) == nil)

            let expired = try Self.webSocketURL(try await Self.consoleURL(cloud, ids[0]), port: port)
            try await cloud.waitUntil("the 1 s token expired") {
                try await cloud.store.validConsoleToken(Self.token(expired)) == nil
            }
            #expect(try await WSConsoleClient.session(expired, Self.rfb) == nil)

            // A token of a deleted server, still within its TTL: the delete removed it.
            let uuid = try #require(UUID(uuidString: ids[1]))
            let (token, _) = try #require(try await cloud.store.authorizeConsole(
                ConsoleAuthToken(instanceUUID: uuid, consoleType: "novnc", host: "127.0.0.1", port: 1,
                                 accessURLBase: "http://127.0.0.1:6080/vnc_auto.html"), ttl: 600))
            #expect(try await cloud.call("DELETE", "/v2.1/servers/\(ids[1])").status == 204)
            try await cloud.waitUntil("its tokens are gone") { try await cloud.store.consoleTokenCount(instance: uuid) == 0 }
            #expect(try await WSConsoleClient.session("ws://127.0.0.1:\(port)/?token=\(token)", Self.rfb) == nil)

            // No noVNC installed: a clear 404.
            let page = try await TestHTTP.send("GET", "http://127.0.0.1:\(port)/vnc_auto.html")
            #expect(page.status == 404 && String(decoding: page.raw, as: UTF8.self).contains("noVNC is not installed"))
        }
    }

    /// An expired token is refused before the proxy opens any connection to the console it names (a listener
    /// of the test's counts them); the same with a valid token does connect, so the count can tell. Computes are
    /// pinned below 6.7 so the proxy does not ask them to validate the port (the listener is no guest's console;
    /// ConsolePortValidationTests covers that check).
    @Test func anExpiredTokenNeverReachesTheCompute() async throws {
        try await TestCloud.with(hosts: 1, ["upgrade_levels.compute": "6.6"]) { cloud in
            let id = try #require(try await cloud.boot("guarded").first)
            try await cloud.waitFor(id, status: "ACTIVE")
            let port = try #require(await cloud.aio.consoleProxyPort(.novnc))
            let accepted = Counter()
            let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .childChannelInitializer { ch in
                    accepted.n.wrappingAdd(1, ordering: .relaxed)
                    return ch.close()  // counted; closing ends the proxy's session at once
                }
                .bind(host: "127.0.0.1", port: 0).get()
            defer { listener.close(promise: nil) }
            let uuid = try #require(UUID(uuidString: id))
            let grant = ConsoleAuthToken(instanceUUID: uuid, consoleType: "novnc", host: "127.0.0.1",
                                         port: try #require(listener.localAddress?.port),
                                         accessURLBase: "http://127.0.0.1:6080/vnc_auto.html")
            let (old, _) = try #require(try await cloud.store.authorizeConsole(grant, ttl: 60, now: Date().addingTimeInterval(-120)))
            #expect(try await WSConsoleClient.session("ws://127.0.0.1:\(port)/?token=\(old)", Self.rfb) == nil)
            #expect(accepted.n.load(ordering: .relaxed) == 0)

            let (fresh, _) = try #require(try await cloud.store.authorizeConsole(grant, ttl: 600))
            let connected = try await WSConsoleClient.session("ws://127.0.0.1:\(port)/?token=\(fresh)") { _, _ in
                try await waitUntil("the proxy connects to the listener") { accepted.n.load(ordering: .relaxed) == 1 }
                return true
            }
            #expect(connected == true)
        }
    }

    @Test func serialConsoleCarriesTheBootMarker() async throws {
        try await TestCloud.with(hosts: 1, ["serial_console.enabled": "true"]) { cloud in
            let id = try #require(try await cloud.boot("tty").first)
            try await cloud.waitFor(id, status: "ACTIVE")
            let port = try #require(await cloud.aio.consoleProxyPort(.serial))
            let url = try await Self.consoleURL(cloud, id, "serial", "serial")
            #expect(url.hasPrefix("ws://127.0.0.1:6083/?token="))
            let ws = try Self.webSocketURL(url, port: port)
            let text = try await WSConsoleClient.session(ws) { r, w in
                let boot = try await r.read(until: "login:")
                try await w.write(.binary(ByteBuffer(string: "uptime\n")))
                return boot + (try await r.read(until: "uptime"))
            }
            #expect(text?.contains("Nimbus fake guest \(id) booted") == true, "\(text ?? "refused")")
            // A VNC token does not open the serial proxy.
            let vnc = try Self.webSocketURL(try await Self.consoleURL(cloud, id), port: port)
            #expect(try await WSConsoleClient.session(vnc) { r, _ in try await r.read(1) } == nil)
        }
    }
}

final class Counter: Sendable {
    let n = Atomic<Int>(0)
}

extension Array {
    func asyncMap<T>(_ f: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out.append(try await f(e)) }
        return out
    }
}
