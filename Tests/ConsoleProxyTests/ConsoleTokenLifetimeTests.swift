import Foundation
import HummingbirdWSClient
import NIOCore
import NimbusConsole
import NimbusDaemons
import NimbusKernelTestKit
import NimbusStore
import NimbusTestCloud
import Testing

/// What happens to console tokens and sessions as time passes: the conductor's loop deletes expired tokens, and
/// `[consoleauth] enforce_session_timeout` closes a session when its token expires (Nova 34), on the fake console.
@Suite(.timeLimit(.minutes(2)))
struct ConsoleTokenLifetimeTests {
    /// Expired tokens that no later issue sweeps are deleted by the conductor's recovery loop; a live one stays.
    @Test func theConductorDeletesExpiredTokens() async throws {
        try await TestCloud.with(hosts: 1, ["DEFAULT.report_interval": "1"]) { cloud in
            let id = try #require(try await cloud.boot("swept").first)
            let uuid = try #require(UUID(uuidString: id))
            let grant = ConsoleAuthToken(instanceUUID: uuid, consoleType: "novnc", host: "127.0.0.1", port: 1,
                                         accessURLBase: "http://127.0.0.1:6080/vnc_auto.html")
            let (live, _) = try #require(try await cloud.store.authorizeConsole(grant, ttl: 600))
            // Issued two minutes ago for a minute (after the live one, so issuing does not sweep them).
            for _ in 0..<2 {
                _ = try #require(try await cloud.store.authorizeConsole(grant, ttl: 60, now: Date().addingTimeInterval(-120)))
            }
            #expect(try await cloud.store.consoleTokenCount(instance: uuid) == 3)
            try await cloud.waitUntil("the conductor deleted the expired tokens") {
                try await cloud.store.consoleTokenCount(instance: uuid) == 1
            }
            #expect(try await cloud.store.validConsoleToken(live) != nil)
        }
    }

    /// With enforce_session_timeout the proxy closes a session when its 1 s token expires.
    @Test func enforcedSessionTimeoutClosesTheSession() async throws {
        try await TestCloud.with(hosts: 1, Self.settings(enforce: true)) { cloud in
            let (id, port) = try await Self.serialServer(cloud)
            // A session that relayed the guest's banner, then was closed (a session cut before the banner came through
            // is tried again: it would pass without the feature too, were the token refused after the upgrade).
            let (token, text) = try await Self.sessionWithinTTL(cloud, id, port) { _, r, _ in
                let text = try await r.untilClosed()
                return text.contains("Nimbus fake guest") ? text : nil
            }
            // By then the token had expired (not some other end of the session).
            #expect(try await cloud.store.validConsoleToken(token) == nil, "closed early: \(text.debugDescription)")
        }
    }

    /// Without it (Nova's default) a session outlives its token: after expiry the console still answers.
    @Test func aSessionOutlivesItsTokenByDefault() async throws {
        try await TestCloud.with(hosts: 1, Self.settings(enforce: false)) { cloud in
            let (id, port) = try await Self.serialServer(cloud)
            let store = cloud.store
            let (_, echoed) = try await Self.sessionWithinTTL(cloud, id, port) { token, r, w in
                try await waitUntil("the 1 s token expired") { try await store.validConsoleToken(token) == nil }
                try await w.write(.binary(ByteBuffer(string: "uptime\n")))
                // Closed (e.g. the token was refused between the upgrade and the relay): try another session.
                return try? await r.read(until: "uptime")
            }
            #expect(echoed.contains("uptime"))
        }
    }

    static func settings(enforce: Bool) -> [String: String] {
        ["serial_console.enabled": "true", "consoleauth.token_ttl": "1", "consoleauth.enforce_session_timeout": "\(enforce)"]
    }

    static func serialServer(_ cloud: TestCloud) async throws -> (id: String, port: Int) {
        let id = try #require(try await cloud.boot("tty").first)
        try await cloud.waitFor(id, status: "ACTIVE")
        return (id, try #require(await cloud.aio.consoleProxyPort(.serial)))
    }

    /// A serial session through the API's URL. A 1 s token (epoch seconds) can expire between the API call and the
    /// upgrade; then the proxy refuses it and a new URL is asked for (bounded), as when the script answers nil.
    static func sessionWithinTTL<T: Sendable>(_ cloud: TestCloud, _ id: String, _ port: Int,
                                              _ script: @escaping @Sendable (String, inout WSConsoleClient.Reader,
                                                                             WebSocketOutboundWriter) async throws -> T?)
        async throws -> (token: String, value: T)
    {
        for _ in 0..<50 {
            let url = try ConsoleProxyTests.webSocketURL(try await ConsoleProxyTests.consoleURL(cloud, id, "serial", "serial"),
                                                         port: port)
            let token = ConsoleProxyTests.token(url)
            if let v = try await WSConsoleClient.session(url, { r, w in try await script(token, &r, w) }), let v {
                return (token, v)
            }
        }
        throw TestFailure("no session through a 1 s token went as the test needs (50 tries)")
    }
}
