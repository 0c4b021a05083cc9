import Testing

@testable import NimbusConsole

/// Nova's Origin and token rules for the console websocket (`NovaProxyRequestHandler.new_websocket_client`).
@Suite struct OriginCheckTests {
    let base = "http://console.example:6080/vnc_auto.html"

    func problem(_ origin: String?, host: String? = "console.example:6080", forwarded: String? = nil,
                 base: String? = nil, allowed: [String] = []) -> String? {
        ConsoleRequestChecks.originProblem(origin: origin, host: host, forwardedProto: forwarded,
                                           accessURLBase: base ?? self.base, allowedOrigins: allowed)
    }

    @Test func originMustBeThisHostOrAllowedWithTheURLsScheme() {
        #expect(problem(nil) == nil)  // a non-browser client sends none
        #expect(problem("http://console.example:6080") == nil)
        #expect(problem("http://evil.example") == "Origin header does not match this host.")
        #expect(problem("http://evil.example", allowed: ["evil.example"]) == nil)
        #expect(problem("https://console.example") == "Origin header protocol does not match this host.")
        #expect(problem("https://console.example", forwarded: "http") == nil)
        #expect(problem("null") == "Origin header not valid.")
        #expect(problem("http://[::1]:6080", host: "[::1]:6080") == nil)
        // Serial: a ws:// base accepts http pages, wss:// https ones.
        #expect(problem("http://console.example", base: "ws://console.example:6083/") == nil)
        #expect(problem("https://console.example", base: "wss://console.example:6083/") == nil)
        #expect(problem("https://console.example", base: "ws://console.example:6083/") != nil)
    }

    @Test func tokenFromQueryThenCookie() {
        #expect(ConsoleRequestChecks.token(query: "token=abc", cookie: nil) == "abc")
        #expect(ConsoleRequestChecks.token(query: "x=1", cookie: "a=b; token=def") == "def")
        #expect(ConsoleRequestChecks.token(query: "token=", cookie: "token=def") == "def")
        #expect(ConsoleRequestChecks.token(query: nil, cookie: nil) == nil)
        #expect(ConsoleRequestChecks.token(query: "token=" + String(repeating: "a", count: 500), cookie: nil) == nil)
    }
}
