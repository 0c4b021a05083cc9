import Crypto
import Foundation
import Logging
import NimbusKernel
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Validates tokens against an external Keystone (`[api] auth_strategy = keystone` with
/// `[keystone_authtoken] auth_url`), as keystonemiddleware does: `GET /v3/auth/tokens` with the user's token in
/// `X-Subject-Token` and a service token (from `username`/`password`/`project_name`) in `X-Auth-Token` — or the
/// user's own token when no service credentials are configured. Results are cached for `token_cache_time`.
public final class KeystoneTokenValidator: TokenValidator {
    public struct Unavailable: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    struct ServiceCredentials: Sendable {
        var username, password, projectName, userDomainName, projectDomainName: String
    }

    /// `…/v3`, derived from `auth_url`.
    public let identityURL: String
    /// Where clients are told to authenticate (`WWW-Authenticate: Keystone uri=…`).
    public let wwwAuthenticateURI: String
    let credentials: ServiceCredentials?
    let cacheTime: TimeInterval
    let session: URLSession
    let logger: Logger
    private let cache = Mutex<[String: (AuthContext, Date)]>([:])
    private let serviceToken = Mutex<(String, Date)?>(nil)

    public init(config: NimbusConfig, logger: Logger) throws {
        let s = "keystone_authtoken"
        guard let auth = IdentityOptions.authURL.read(config) ?? IdentityOptions.wwwAuthenticateURI.read(config) else {
            throw ConfigError.invalidValue(source: config.source(s, "auth_url"), section: s, option: "auth_url", value: "",
                                           expected: "the external Keystone's URL when [api] auth_strategy = keystone "
                                               + "and [identity] enabled = false")
        }
        var base = auth.hasSuffix("/") ? String(auth.dropLast()) : auth
        if !base.hasSuffix("/v3") { base += "/v3" }
        identityURL = base
        wwwAuthenticateURI = IdentityOptions.wwwAuthenticateURI.read(config) ?? auth
        if let u = IdentityOptions.username.read(config), let p = IdentityOptions.password.read(config) {
            credentials = ServiceCredentials(
                username: u, password: p, projectName: IdentityOptions.projectName.read(config),
                userDomainName: IdentityOptions.userDomainName.read(config),
                projectDomainName: IdentityOptions.projectDomainName.read(config))
        } else {
            credentials = nil
        }
        cacheTime = TimeInterval(try IdentityOptions.keystoneTokenCacheTime.read(config))
        let cfg = URLSessionConfiguration.ephemeral
        cfg.timeoutIntervalForRequest = 10
        session = URLSession(configuration: cfg)
        self.logger = logger
    }

    public func validate(token: String) async throws -> AuthContext {
        guard !token.isEmpty else { throw TokenError.invalid("no token") }
        let key = SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
        let now = Date()
        if let (ctx, until) = cache.withLock({ $0[key] }), until > now { return ctx }
        var (status, body) = try await check(token, with: try await authToken(for: token, refresh: false))
        if status == 401 && credentials != nil {  // our service token may have expired early: refresh once
            (status, body) = try await check(token, with: try await authToken(for: token, refresh: true))
        }
        switch status {
        case 200: break
        case 401, 403, 404: throw TokenError.invalid("Keystone refused the token (\(status))")
        default: throw Unavailable(description: "Keystone at \(identityURL) answered \(status) validating a token")
        }
        guard let t = body["token"] as? [String: Any], let user = t["user"] as? [String: Any],
              let userID = user["id"] as? String
        else { throw Unavailable(description: "Keystone at \(identityURL) sent an unreadable token body") }
        guard let project = t["project"] as? [String: Any], let projectID = project["id"] as? String else {
            throw TokenError.invalid("token is not scoped to a project")
        }
        let roles = (t["roles"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        let ctx = AuthContext(userID: userID, userName: user["name"] as? String ?? "", projectID: projectID,
                              projectName: project["name"] as? String ?? "", roles: roles)
        let expires = (t["expires_at"] as? String).flatMap(Self.parseTime) ?? now.addingTimeInterval(cacheTime)
        cache.withLock { c in
            if c.count > 10_000 { c = c.filter { $0.value.1 > now } }
            c[key] = (ctx, min(expires, now.addingTimeInterval(cacheTime)))
        }
        return ctx
    }

    func check(_ subject: String, with authToken: String) async throws -> (Int, [String: Any]) {
        var req = URLRequest(url: URL(string: identityURL + "/auth/tokens?nocatalog")!)
        req.setValue(authToken, forHTTPHeaderField: "X-Auth-Token")
        req.setValue(subject, forHTTPHeaderField: "X-Subject-Token")
        req.setValue("application/json", forHTTPHeaderField: "Accept")
        return try await send(req)
    }

    /// The service token (fetched and kept until shortly before it expires), or the subject itself.
    func authToken(for subject: String, refresh: Bool) async throws -> String {
        guard let c = credentials else { return subject }
        if !refresh, let (t, until) = serviceToken.withLock({ $0 }), until > Date() { return t }
        var req = URLRequest(url: URL(string: identityURL + "/auth/tokens?nocatalog")!)
        req.httpMethod = "POST"
        req.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let body: [String: Any] = ["auth": [
            "identity": ["methods": ["password"], "password": ["user": [
                "name": c.username, "password": c.password, "domain": ["name": c.userDomainName]]]],
            "scope": ["project": ["name": c.projectName, "domain": ["name": c.projectDomainName]]]]]
        req.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (status, response, headers) = try await sendWithHeaders(req)
        guard status == 201, let token = headers["X-Subject-Token"] ?? headers["x-subject-token"] else {
            throw Unavailable(description: "cannot get a service token from \(identityURL) (status \(status))")
        }
        let expires = ((response["token"] as? [String: Any])?["expires_at"] as? String).flatMap(Self.parseTime)
            ?? Date().addingTimeInterval(300)
        serviceToken.withLock { $0 = (token, expires.addingTimeInterval(-60)) }
        return token
    }

    func send(_ req: URLRequest) async throws -> (Int, [String: Any]) {
        let (s, b, _) = try await sendWithHeaders(req)
        return (s, b)
    }

    func sendWithHeaders(_ req: URLRequest) async throws -> (Int, [String: Any], [String: String]) {
        let data: Data
        let response: URLResponse
        do { (data, response) = try await session.data(for: req) } catch {
            throw Unavailable(description: "Keystone at \(identityURL) is unreachable: \(error.localizedDescription)")
        }
        let http = response as? HTTPURLResponse
        let body = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        var headers: [String: String] = [:]
        for (k, v) in http?.allHeaderFields ?? [:] { if let k = k as? String, let v = v as? String { headers[k] = v } }
        return (http?.statusCode ?? 0, body, headers)
    }

    static func parseTime(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: s)
    }
}
