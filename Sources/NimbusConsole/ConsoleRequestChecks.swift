import Foundation
import HTTPTypes

/// What Nova's `NovaProxyRequestHandler.new_websocket_client` checks on the websocket request.
enum ConsoleRequestChecks {
    /// The token from the request's query (`?token=`), else from the `token` cookie; nil when absent or
    /// longer than any token we issue.
    static func token(query: String?, cookie: String?) -> String? {
        let fromQuery = query.flatMap { q in
            URLComponents(string: "?" + q)?.queryItems?.first { $0.name == "token" }?.value
        }
        let fromCookie = cookie.flatMap { c in
            c.split(separator: ";").lazy.map { $0.trimmingCharacters(in: .whitespaces) }
                .first { $0.hasPrefix("token=") }.map { String($0.dropFirst("token=".count)) }
        }
        guard let t = [fromQuery, fromCookie].compactMap({ $0 }).first(where: { !$0.isEmpty }), t.utf8.count <= 128
        else { return nil }
        return t
    }

    /// The Origin check (only when the header is present, as a non-browser client sends none): its host must be
    /// the `Host` header's or one of `[console] allowed_origins`, its scheme (or `X-Forwarded-Proto`) that of the
    /// token's access URL base (ws/wss also accept http/https). Returns why it fails, nil when it passes.
    static func originProblem(origin: String?, host: String?, forwardedProto: String?, accessURLBase: String,
                              allowedOrigins: [String]) -> String? {
        guard let origin else { return nil }
        let url = URLComponents(string: origin)
        let originHost = url?.host?.lowercased() ?? ""
        let scheme = (forwardedProto ?? url?.scheme ?? "").lowercased()
        guard !originHost.isEmpty, !scheme.isEmpty else { return "Origin header not valid." }
        var expectedHosts = allowedOrigins.map { $0.lowercased() }
        if let host = host?.lowercased() {
            if host.hasPrefix("["), let end = host.firstIndex(of: "]") {
                expectedHosts.append(String(host[host.index(after: host.startIndex)..<end]))
            } else {
                expectedHosts.append(String(host.split(separator: ":", maxSplits: 1).first ?? ""))
            }
        }
        let bare = originHost.hasPrefix("[") ? String(originHost.dropFirst().dropLast()) : originHost
        guard expectedHosts.contains(bare) else { return "Origin header does not match this host." }
        var schemes = [URLComponents(string: accessURLBase)?.scheme?.lowercased() ?? ""]
        if schemes.contains("ws") { schemes.append("http") }
        if schemes.contains("wss") { schemes.append("https") }
        guard schemes.contains(scheme) else { return "Origin header protocol does not match this host." }
        return nil
    }
}
