import Foundation
import NimbusConsole
import NimbusDaemons
import NimbusKernelTestKit
import NimbusStore
import NimbusTestCloud
import Testing

/// Nova's `validate_console_port`: before the upgrade the proxy asks the instance's compute whether the token's
/// port is still that instance's console, so a token for one instance never reaches another's console.
@Suite struct ConsolePortValidationTests {
    @Test func aTokenNamingAnotherInstancesConsoleIsRefused() async throws {
        try await TestCloud.with(hosts: 1) { cloud in
            let ids = try await cloud.boot("port", count: 2)
            for id in ids { try await cloud.waitFor(id, status: "ACTIVE") }
            let proxy = try #require(await cloud.aio.consoleProxyPort(.novnc))
            // Where B's console listens, as its token records it.
            let bURL = try ConsoleProxyTests.webSocketURL(try await ConsoleProxyTests.consoleURL(cloud, ids[1]), port: proxy)
            let shown = try await cloud.call("GET", "/v2.1/os-console-auth-tokens/\(ConsoleProxyTests.token(bURL))",
                                             version: "2.31")
            let b = try #require(shown["console"] as? [String: Any], "\(shown.body)")
            let (host, port) = (try #require(b["host"] as? String), try #require(b["port"] as? Int))

            // A valid, unexpired token of A that names B's console: A's compute says that is not A's port.
            let a = try #require(UUID(uuidString: ids[0]))
            let (forged, _) = try #require(try await cloud.store.authorizeConsole(ConsoleAuthToken(
                instanceUUID: a, consoleType: "novnc", host: host, port: port,
                accessURLBase: "http://127.0.0.1:6080/vnc_auto.html"), ttl: 600))
            #expect(try await WSConsoleClient.session("ws://127.0.0.1:\(proxy)/?token=\(forged)", ConsoleProxyTests.rfb) == nil)

            // B's own token reaches B's screen (the fake guest's RFB server is named after the server).
            let h = try #require(try await WSConsoleClient.session(bURL, ConsoleProxyTests.rfb), "the proxy refused B's token")
            #expect(h.name == (try await cloud.server(ids[1])["name"] as? String))
        }
    }
}
