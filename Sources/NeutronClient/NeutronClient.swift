import Foundation
import NimbusJSON
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A Neutron answer other than 2xx: its status and `NeutronError` type and message.
public struct NeutronFailure: Error, Sendable, CustomStringConvertible {
    public var status: Int
    public var type: String
    public var message: String

    public init(status: Int, type: String, message: String) {
        self.status = status
        self.type = type
        self.message = message
    }

    public var description: String { "Neutron \(status) \(type): \(message)" }
}

/// Nova's side of the Networking v2.0 API over HTTP (the built-in service and an external Neutron alike):
/// JSON requests with a token from `tokens`, answers decoded, failures as `NeutronFailure`.
public final class NeutronClient: Sendable {
    /// The endpoint (without `/v2.0`); a closure because a built-in service binds its port after start.
    let endpoint: @Sendable () async -> String
    let tokens: KeystonePasswordAuth
    let session: URLSession

    public init(endpoint: @escaping @Sendable () async -> String, auth: KeystonePasswordAuth, timeout: Int = 30) {
        self.endpoint = endpoint
        self.tokens = auth
        let cfg = URLSessionConfiguration.ephemeral
        cfg.timeoutIntervalForRequest = TimeInterval(max(1, timeout))
        session = URLSession(configuration: cfg)
    }

    /// One request; `path` starts after `/v2.0` (e.g. `/ports?device_id=…`). A 401 fetches a new token once.
    public func send(_ method: String, _ path: String, body: JSON? = nil) async throws -> JSON {
        var base = await endpoint()
        if base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base + "/v2.0" + path) else {
            throw NeutronFailure(status: 0, type: "BadURL", message: "cannot form a URL from \(base) and \(path)")
        }
        for attempt in 0..<2 {
            var req = URLRequest(url: url)
            req.httpMethod = method
            req.setValue(try await tokens.token(fresh: attempt > 0), forHTTPHeaderField: "X-Auth-Token")
            req.setValue("application/json", forHTTPHeaderField: "Accept")
            if let body {
                req.httpBody = body.encoded()
                req.setValue("application/json", forHTTPHeaderField: "Content-Type")
            }
            let (data, response): (Data, URLResponse)
            do { (data, response) = try await session.data(for: req) } catch {
                throw NeutronFailure(status: 0, type: "ConnectionFailed",
                                     message: "Neutron at \(base) is unreachable: \(error.localizedDescription)")
            }
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            if status == 401 && attempt == 0 { continue }
            let json = data.isEmpty ? JSON.null : (try? JSON.decode(data)) ?? .null
            guard (200..<300).contains(status) else {
                let e = json["NeutronError"]
                throw NeutronFailure(status: status, type: e?["type"]?.string ?? "HTTP\(status)",
                                     message: e?["message"]?.string ?? String(decoding: data.prefix(512), as: UTF8.self))
            }
            return json
        }
        throw NeutronFailure(status: 401, type: "Unauthorized", message: "Neutron refused the service token")
    }

    /// Percent-encodes a query value.
    public static func q(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? s
    }
}

/// A Keystone v3 password login for a service user (keystoneauth's `password` plugin), token cached until
/// shortly before it expires.
public final class KeystonePasswordAuth: Sendable {
    public struct Credentials: Sendable {
        public var authURL: @Sendable () async -> String
        public var username, password, projectName, userDomainName, projectDomainName: String

        public init(authURL: @escaping @Sendable () async -> String, username: String, password: String,
                    projectName: String, userDomainName: String = "Default", projectDomainName: String = "Default") {
            self.authURL = authURL
            self.username = username
            self.password = password
            self.projectName = projectName
            self.userDomainName = userDomainName
            self.projectDomainName = projectDomainName
        }
    }

    let credentials: Credentials
    private let cached = Mutex<(String, Date)?>(nil)

    public init(_ credentials: Credentials) { self.credentials = credentials }

    func token(fresh: Bool) async throws -> String {
        if !fresh, let (t, until) = cached.withLock({ $0 }), until > Date() { return t }
        let c = credentials
        var base = await c.authURL()
        if base.hasSuffix("/") { base.removeLast() }
        if !base.hasSuffix("/v3") { base += "/v3" }
        guard let url = URL(string: base + "/auth/tokens?nocatalog") else {
            throw NeutronFailure(status: 0, type: "BadURL", message: "bad [neutron] auth_url \(base)")
        }
        let body: JSON = ["auth": [
            "identity": ["methods": ["password"], "password": ["user": [
                "name": .string(c.username), "domain": ["name": .string(c.userDomainName)], "password": .string(c.password)]]],
            "scope": ["project": ["name": .string(c.projectName), "domain": ["name": .string(c.projectDomainName)]]],
        ]]
        var req = URLRequest(url: url)
        req.httpMethod = "POST"
        req.httpBody = body.encoded()
        req.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let (_, response): (Data, URLResponse)
        do { (_, response) = try await URLSession.shared.data(for: req) } catch {
            throw NeutronFailure(status: 0, type: "ConnectionFailed", message: "Keystone at \(base) is unreachable: \(error)")
        }
        guard let http = response as? HTTPURLResponse, http.statusCode == 201,
              let token = http.value(forHTTPHeaderField: "X-Subject-Token") else {
            throw NeutronFailure(status: 401, type: "Unauthorized", message: "cannot log in to \(base) as \(c.username)")
        }
        // Keystone's default token lifetime is an hour; renew well before.
        cached.withLock { $0 = (token, Date().addingTimeInterval(1800)) }
        return token
    }
}
