import Foundation
import Logging
import NimbusDaemons
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore

@testable import BuiltinPlugins

/// Tokens for policy tests: token → caller.
public struct StaticTokens: TokenValidator {
    public let tokens: [String: AuthContext]
    public init(tokens: [String: AuthContext]) { self.tokens = tokens }

    public func validate(token: String) async throws -> AuthContext {
        guard let a = tokens[token] else { throw TokenError.invalid("unknown token") }
        return a
    }
}

/// An all-in-one Nimbus on 127.0.0.1 (port 0) with fake hosts, its own state directory and in-process bus,
/// driven over real HTTP: the one test cloud of ComputeAPITests and EndToEndTests.
public final class TestCloud: StoppableHarness {
    public let aio: AllInOne
    let task: Task<Void, any Error>
    public let base: String

    public var store: NimbusStore { aio.store }

    /// Without a validator the cloud runs noauth2 (every caller is admin). Nova's default quotas apply unless
    /// `overrides` change them.
    public static func start(hosts: Int = 2, validator: (any TokenValidator)? = nil, _ overrides: [String: String] = [:],
                             registry: PluginRegistry = .builtin()) async throws -> TestCloud
    {
        let id = UUID().uuidString.prefix(8)
        var settings = [
            "DEFAULT.state_path": NSTemporaryDirectory() + "nimbus-test-\(id)",
            "DEFAULT.transport_url": "inprocess://test-\(id)",
            "DEFAULT.osapi_compute_listen": "127.0.0.1",
            "DEFAULT.osapi_compute_listen_port": "0",
            "DEFAULT.host": "controller-\(id)",
            "DEFAULT.rpc_response_timeout": "10",
            "api.auth_strategy": "noauth2",
            "fake.vcpus": "8", "fake.memory_mb": "8704", "fake.local_gb": "100",
            // Console proxies on free ports: tests run clouds side by side.
            "vnc.novncproxy_host": "127.0.0.1", "vnc.novncproxy_port": "0",
            "serial_console.serialproxy_host": "127.0.0.1", "serial_console.serialproxy_port": "0",
            "DEFAULT.metadata_listen": "127.0.0.1", "DEFAULT.metadata_listen_port": "0",
            // Each compute re-reads every plugged port's groups through the Networking API on this period; at the
            // 2 s default dozens of clouds side by side spend the two cores on it. Tests of rule changes set it.
            "AGENT.polling_interval": "60",
        ]
        settings.merge(overrides) { _, new in new }
        var logger = Logger(label: "nimbus-tests")
        logger.logLevel = .warning
        let runtime = try NimbusRuntime(registry: registry, configFiles: [], overrides: settings, environment: [:],
                                        logger: logger)
        let aio = try AllInOne(runtime: runtime, fakeHosts: hosts, tokenValidator: validator)
        try await aio.seedDefaultFlavors()
        let task = Task { try await aio.run(handleSignals: false) }
        let port = await aio.apiPort()
        let cloud = TestCloud(aio: aio, task: task, base: "http://127.0.0.1:\(port)")
        do {
            // Registered, reporting and heartbeating (a compute stopped before its first heartbeat has nothing
            // to say stopped).
            try await NimbusKernelTestKit.waitUntil("\(hosts) computes are up", within: 60) {
                let services = try await aio.store.services(binary: "nova-compute")
                let nodes = try await aio.store.computeNodes().count
                return services.count == hosts && nodes == hosts
                    && services.allSatisfy { $0.isUp(serviceDownTime: 60) }
            }
        } catch {
            await cloud.stop()
            throw error
        }
        return cloud
    }

    /// Runs `body` against a fresh cloud and stops it afterwards, awaited (also when `body` throws).
    public static func with<T>(hosts: Int = 2, validator: (any TokenValidator)? = nil, _ overrides: [String: String] = [:],
                               registry: PluginRegistry = .builtin(), _ body: (TestCloud) async throws -> T)
        async throws -> T
    {
        try await withHarness(try await start(hosts: hosts, validator: validator, overrides, registry: registry), body)
    }

    private init(aio: AllInOne, task: Task<Void, any Error>, base: String) {
        self.aio = aio
        self.task = task
        self.base = base
    }

    public func stop() async {
        task.cancel()
        _ = await task.result
    }

    // MARK: HTTP

    /// A Compute API request; `version` sets `OpenStack-API-Version: compute <version>`.
    @discardableResult
    public func call(_ method: String, _ path: String, _ body: Any? = nil, version: String? = nil, token: String? = nil,
                     headers: [String: String] = [:]) async throws -> HTTPAnswer {
        var hs = headers
        if let version { hs["OpenStack-API-Version"] = "compute \(version)" }
        if let token { hs["X-Auth-Token"] = token }
        return try await TestHTTP.send(method, base + path, body: body, headers: hs)
    }

    /// Status and JSON body, as the end-to-end tests read them.
    public func request(_ method: String, _ path: String, _ body: Any? = nil, headers: [String: String] = [:])
        async throws -> (Int, [String: Any])
    {
        let a = try await call(method, path, body, headers: headers)
        return (a.status, a.body)
    }

    public func get(_ path: String) async throws -> (Int, [String: Any]) { try await request("GET", path) }

    // MARK: servers

    /// Boots servers at 2.100 and waits until they leave BUILD; returns their ids.
    public func boot(_ name: String, count: Int = 1, token: String? = nil, extra: [String: Any] = [:],
                     hints: [String: Any]? = nil) async throws -> [String] {
        var server: [String: Any] = ["name": name, "imageRef": "cirros", "flavorRef": "1", "networks": "none",
                                     "min_count": count, "max_count": count]
        server.merge(extra) { _, new in new }
        var body: [String: Any] = ["server": server]
        if let hints { body["OS-SCH-HNT:scheduler_hints"] = hints }
        let r = try await call("POST", "/v2.1/servers", body, version: "2.100", token: token)
        guard r.status == 202 else { throw TestFailure("create answered \(r.status) \(r.body)") }
        let ids = try await serverIDs(prefix: name, token: token)
        guard ids.count == count else { throw TestFailure("\(ids.count) servers named \(name)*, wanted \(count)") }
        try await waitUntil("\(name) leaves BUILD") {
            for id in ids where try await self.status(id, token: token) == "BUILD" { return false }
            return true
        }
        return ids
    }

    /// Boots `count` servers of `flavor` in one request without waiting; returns their ids.
    public func boot(_ name: String, flavor: String, count: Int = 1) async throws -> [String] {
        let r = try await call("POST", "/v2.1/servers", [
            "server": ["name": name, "imageRef": "cirros", "flavorRef": flavor, "min_count": count, "max_count": count],
        ])
        guard r.status == 202, (r["server"] as? [String: Any])?["id"] != nil else {
            throw TestFailure("create answered \(r.status) \(r.body)")
        }
        let ids = try await serverIDs(prefix: name, token: nil)
        guard ids.count == count else { throw TestFailure("\(ids.count) servers named \(name)*, wanted \(count)") }
        return ids
    }

    func serverIDs(prefix: String, token: String?) async throws -> [String] {
        let list = try await call("GET", "/v2.1/servers/detail", version: "2.100", token: token)
        return (list["servers"] as? [[String: Any]] ?? []).filter { ($0["name"] as? String)?.hasPrefix(prefix) == true }
            .compactMap { $0["id"] as? String }
    }

    public func createFlavor(_ id: String, ram: Int, vcpus: Int = 1, disk: Int = 1) async throws {
        let r = try await call("POST", "/v2.1/flavors",
                               ["flavor": ["name": id, "id": id, "ram": ram, "vcpus": vcpus, "disk": disk]])
        guard r.status == 200 else { throw TestFailure("flavor create answered \(r.status) \(r.body)") }
    }

    public func server(_ id: String, version: String = "2.100", token: String? = nil) async throws -> [String: Any] {
        try await call("GET", "/v2.1/servers/\(id)", version: version, token: token)["server"] as? [String: Any] ?? [:]
    }

    public func status(_ id: String, token: String? = nil) async throws -> String {
        try await server(id, token: token)["status"] as? String ?? ""
    }

    public func waitFor(_ id: String, status: String, token: String? = nil) async throws {
        try await waitUntil("\(id) is \(status)") { try await self.status(id, token: token) == status }
    }

    /// Waits until every server has left BUILD; returns id → status.
    public func settle(_ ids: [String]) async throws -> [String: String] {
        var statuses: [String: String] = [:]
        try await waitUntil("servers leave BUILD") {
            for id in ids { statuses[id] = try await self.server(id)["status"] as? String }
            return statuses.values.allSatisfy { $0 != "BUILD" }
        }
        return statuses
    }

    public func hypervisors() async throws -> [[String: Any]] {
        (try await get("/v2.1/os-hypervisors/detail").1["hypervisors"] as? [[String: Any]]) ?? []
    }

    public func waitUntil(_ what: String, within seconds: Double = 30, _ condition: () async throws -> Bool)
        async throws
    {
        try await NimbusKernelTestKit.waitUntil(what, within: seconds, condition)
    }
}
