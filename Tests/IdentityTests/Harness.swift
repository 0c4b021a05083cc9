import Foundation
import Logging
import NimbusIdentity
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import ServiceLifecycle
import Testing


/// A built-in identity on 127.0.0.1 (free port), bootstrapped with admin / "secret", driven over real HTTP.
final class IdentityHarness: StoppableHarness {
    let identity: IdentityService
    let store: NimbusStore
    let base: String
    let task: Task<Void, any Error>

    static func start(expiration: TimeInterval = 3600, cacheTime: TimeInterval = 5) async throws -> IdentityHarness {
        let dir = NSTemporaryDirectory() + "nimbus-identity-\(UUID().uuidString.prefix(8))"
        let store = try NimbusStore(path: dir + "/nimbus.sqlite")
        try store.migrate()
        var logger = Logger(label: "identity-tests")
        logger.logLevel = .warning
        // Few PBKDF2 rounds keep the tests fast; the format and the check are the same as with 210000.
        let config = IdentityConfig(tokenExpiration: expiration, passwordHashRounds: 1000,
                                    signingKeyFile: dir + "/token.key", cacheTime: cacheTime)
        let identity = try IdentityService(store: store, config: config, catalog: {
            [CatalogEntry(type: "compute", name: "nova", url: "http://127.0.0.1:18774/v2.1"),
             CatalogEntry(type: "image", name: "glance", url: "http://127.0.0.1:19292")]
        }, logger: logger)
        var b = IdentityBootstrap(adminPassword: "secret")
        b.catalog = [CatalogEntry(type: "identity", name: "keystone", url: "http://127.0.0.1:5000/v3")]
        try await b.run(store: store, hasher: identity.hasher)
        let (stream, cont) = AsyncStream.makeStream(of: Int.self)
        let service = IdentityAPI(identity: identity).service(host: "127.0.0.1", port: 0, onBound: { cont.yield($0) })
        let task = Task { try await service.run() }
        var port = 0
        for await p in stream { port = p; break }
        return IdentityHarness(identity: identity, store: store, base: "http://127.0.0.1:\(port)", task: task)
    }

    private init(identity: IdentityService, store: NimbusStore, base: String, task: Task<Void, any Error>) {
        self.identity = identity
        self.store = store
        self.base = base
        self.task = task
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }

    typealias Reply = HTTPAnswer

    func request(_ method: String, _ path: String, _ body: Any? = nil, token: String? = nil,
                 headers: [String: String] = [:]) async throws -> Reply {
        var hs = headers
        if let token { hs["X-Auth-Token"] = token }
        return try await TestHTTP.send(method, base + path, body: body, headers: hs)
    }

    static func passwordAuth(user: String, password: String, project: [String: Any]?) -> [String: Any] {
        var auth: [String: Any] = ["identity": ["methods": ["password"], "password": ["user": [
            "name": user, "domain": ["name": "Default"], "password": password]]]]
        if let project { auth["scope"] = ["project": project] }
        return ["auth": auth]
    }

    /// A project-scoped token for `user` on `project` (by name, domain Default).
    func token(_ user: String = "admin", _ password: String = "secret", project: String = "admin") async throws -> String {
        let r = try await request("POST", "/v3/auth/tokens", Self.passwordAuth(
            user: user, password: password, project: ["name": project, "domain": ["name": "Default"]]))
        guard r.status == 201, let t = r.header("X-Subject-Token") else {
            throw HarnessError("auth as \(user) failed: \(r.status) \(String(decoding: r.raw, as: UTF8.self))")
        }
        return t
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

extension Dictionary where Key == String, Value == Any {
    func obj(_ k: String) -> [String: Any] { self[k] as? [String: Any] ?? [:] }
    func list(_ k: String) -> [[String: Any]] { self[k] as? [[String: Any]] ?? [] }
    func str(_ k: String) -> String? { self[k] as? String }
}

/// Callers with one role each, made through the admin API: `reader` and `member` on project `demo`,
/// `outsider` a member of project `other`.
struct Personas {
    let admin: String, reader: String, member: String, outsider: String
    let demoID: String, otherID: String
    let ids: [String: String]  // user name → id

    static func make(_ h: IdentityHarness) async throws -> Personas {
        let admin = try await h.token()
        var projects: [String: String] = [:]
        for name in ["demo", "other"] {
            let p = try await h.request("POST", "/v3/projects", ["project": ["name": name]], token: admin)
            projects[name] = try #require(p.body.obj("project").str("id"))
        }
        let roles = try await h.request("GET", "/v3/roles", token: admin).body.list("roles")
        func roleID(_ n: String) throws -> String { try #require(roles.first { $0.str("name") == n }?.str("id")) }
        var ids: [String: String] = [:]
        var tokens: [String: String] = [:]
        for (user, role, project) in [("reader", "reader", "demo"), ("member", "member", "demo"), ("outsider", "member", "other")] {
            let u = try await h.request("POST", "/v3/users", ["user": ["name": user, "password": "pw-\(user)"]], token: admin)
            let uid = try #require(u.body.obj("user").str("id"))
            let grant = "/v3/projects/\(projects[project]!)/users/\(uid)/roles/\(try roleID(role))"
            #expect(try await h.request("PUT", grant, token: admin).status == 204)
            ids[user] = uid
            tokens[user] = try await h.token(user, "pw-\(user)", project: project)
        }
        return Personas(admin: admin, reader: tokens["reader"]!, member: tokens["member"]!, outsider: tokens["outsider"]!,
                        demoID: projects["demo"]!, otherID: projects["other"]!, ids: ids)
    }
}
