import Foundation
import Logging
import NimbusDaemons
import NimbusKernel
import NimbusStore
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@testable import BuiltinPlugins

/// Tokens for the policy tests: token → caller.
struct StaticTokens: TokenValidator {
    let tokens: [String: AuthContext]

    func validate(token: String) async throws -> AuthContext {
        guard let a = tokens[token] else { throw TokenError.invalid("unknown token") }
        return a
    }
}

/// One HTTP answer: status, headers and the body as JSON (dictionary) when it is one.
struct Answer {
    var status: Int
    var headers: [String: String]
    var body: [String: Any]
    var raw: Data

    subscript(_ k: String) -> Any? { body[k] }
    var fault: [String: Any]? { body.values.first as? [String: Any] }
    var message: String { fault?["message"] as? String ?? "" }
}

/// An all-in-one Nimbus on 127.0.0.1 (port 0) with fake hosts, driven over real HTTP.
final class Cloud: Sendable {
    let aio: AllInOne
    let task: Task<Void, any Error>
    let base: String

    var store: NimbusStore { aio.store }

    static func start(hosts: Int = 2, validator: (any TokenValidator)? = nil, _ overrides: [String: String] = [:],
                      registry: PluginRegistry = .builtin()) async throws -> Cloud
    {
        let id = UUID().uuidString.prefix(8)
        var settings = [
            "DEFAULT.state_path": NSTemporaryDirectory() + "nimbus-api-\(id)",
            "DEFAULT.transport_url": "inprocess://api-\(id)",
            "DEFAULT.osapi_compute_listen": "127.0.0.1",
            "DEFAULT.osapi_compute_listen_port": "0",
            "DEFAULT.host": "controller-\(id)",
            "DEFAULT.rpc_response_timeout": "10",
            // Without a validator given, these tests act as the noauth2 admin.
            "api.auth_strategy": "noauth2",
            "fake.vcpus": "8", "fake.memory_mb": "8704", "fake.local_gb": "100",
        ]
        settings.merge(overrides) { _, new in new }
        var logger = Logger(label: "api-tests")
        logger.logLevel = .warning
        let runtime = try NimbusRuntime(registry: registry, configFiles: [], overrides: settings, environment: [:],
                                        logger: logger)
        let aio = try AllInOne(runtime: runtime, fakeHosts: hosts, tokenValidator: validator)
        try await aio.seedDefaultFlavors()
        let task = Task { try await aio.run(handleSignals: false) }
        let port = await aio.apiPort()
        let cloud = Cloud(aio: aio, task: task, base: "http://127.0.0.1:\(port)")
        try await cloud.waitUntil("\(hosts) computes are up") {
            let services = try await aio.store.services(binary: "nova-compute").count
            let nodes = try await aio.store.computeNodes().count
            return services == hosts && nodes == hosts
        }
        return cloud
    }

    /// Runs `body` against a fresh cloud and stops it afterwards, awaited (also when `body` throws).
    static func with<T>(hosts: Int = 2, validator: (any TokenValidator)? = nil, _ overrides: [String: String] = [:],
                        registry: PluginRegistry = .builtin(), _ body: (Cloud) async throws -> T) async throws -> T {
        let cloud = try await start(hosts: hosts, validator: validator, overrides, registry: registry)
        do {
            let result = try await body(cloud)
            await cloud.stop()
            return result
        } catch {
            await cloud.stop()
            throw error
        }
    }

    private init(aio: AllInOne, task: Task<Void, any Error>, base: String) {
        self.aio = aio
        self.task = task
        self.base = base
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }

    @discardableResult
    func call(_ method: String, _ path: String, _ body: Any? = nil, version: String? = nil, token: String? = nil,
              headers: [String: String] = [:]) async throws -> Answer {
        var req = URLRequest(url: URL(string: base + path)!)
        req.httpMethod = method
        for (k, v) in headers { req.setValue(v, forHTTPHeaderField: k) }
        if let version { req.setValue("compute \(version)", forHTTPHeaderField: "OpenStack-API-Version") }
        if let token { req.setValue(token, forHTTPHeaderField: "X-Auth-Token") }
        if let body {
            req.httpBody = try body as? Data ?? JSONSerialization.data(withJSONObject: body)
            req.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: req)
        let http = response as? HTTPURLResponse
        var hs: [String: String] = [:]
        for (k, v) in http?.allHeaderFields ?? [:] { hs[String(describing: k).lowercased()] = String(describing: v) }
        let json = data.isEmpty ? [:] : ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
        return Answer(status: http?.statusCode ?? 0, headers: hs, body: json, raw: data)
    }

    /// Boots servers at 2.100 and waits until they leave BUILD; returns their ids.
    func boot(_ name: String, count: Int = 1, token: String? = nil, extra: [String: Any] = [:],
              hints: [String: Any]? = nil) async throws -> [String] {
        var server: [String: Any] = ["name": name, "imageRef": "cirros", "flavorRef": "1", "networks": "none",
                                     "min_count": count, "max_count": count]
        server.merge(extra) { _, new in new }
        var body: [String: Any] = ["server": server]
        if let hints { body["OS-SCH-HNT:scheduler_hints"] = hints }
        let r = try await call("POST", "/v2.1/servers", body, version: "2.100", token: token)
        try #require(r.status == 202, "create answered \(r.status) \(r.body)")
        let list = try await call("GET", "/v2.1/servers/detail?name=^\(name)", version: "2.100", token: token)
        let ids = (list["servers"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        try #require(ids.count == count)
        try await waitUntil("\(name) leaves BUILD") {
            for id in ids where try await self.status(id, token: token) == "BUILD" { return false }
            return true
        }
        return ids
    }

    func server(_ id: String, version: String = "2.100", token: String? = nil) async throws -> [String: Any] {
        try await call("GET", "/v2.1/servers/\(id)", version: version, token: token)["server"] as? [String: Any] ?? [:]
    }

    func status(_ id: String, token: String? = nil) async throws -> String {
        try await server(id, token: token)["status"] as? String ?? ""
    }

    func waitFor(_ id: String, status: String, token: String? = nil) async throws {
        try await waitUntil("\(id) is \(status)") { try await self.status(id, token: token) == status }
    }

    /// Polls a condition; the bound only keeps a broken build from hanging the suite.
    func waitUntil(_ what: String, within seconds: Double = 30, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out waiting until \(what)")
        throw CancellationError()
    }
}
