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

/// An all-in-one Nimbus on 127.0.0.1 with a free port, its own state directory and in-process bus,
/// driven over real HTTP.
final class TestCloud: Sendable {
    let aio: AllInOne
    let task: Task<Void, any Error>
    let base: String

    var store: NimbusStore { aio.store }

    static func start(hosts: Int = 4, _ overrides: [String: String] = [:]) async throws -> TestCloud {
        let id = UUID().uuidString.prefix(8)
        var settings = [
            "DEFAULT.state_path": NSTemporaryDirectory() + "nimbus-e2e-\(id)",
            "DEFAULT.transport_url": "inprocess://e2e-\(id)",
            "DEFAULT.osapi_compute_listen": "127.0.0.1",
            "DEFAULT.osapi_compute_listen_port": "0",
            "DEFAULT.host": "controller-\(id)",
            "DEFAULT.rpc_response_timeout": "10",
            // These tests drive the API as the noauth2 admin; identity has its own tests.
            "api.auth_strategy": "noauth2",
            "fake.vcpus": "8", "fake.memory_mb": "8704", "fake.local_gb": "100",
            // These tests boot more than Nova's default quotas (10 instances, 20 cores) allow.
            "quota.instances": "-1", "quota.cores": "-1", "quota.ram": "-1",
        ]
        settings.merge(overrides) { _, new in new }
        var logger = Logger(label: "e2e")
        logger.logLevel = .warning
        let runtime = try NimbusRuntime(registry: .builtin(), configFiles: [], overrides: settings, environment: [:],
                                        logger: logger)
        let aio = try AllInOne(runtime: runtime, fakeHosts: hosts)
        try await aio.seedDefaultFlavors()
        let task = Task { try await aio.run(handleSignals: false) }
        let port = await aio.apiPort()
        let cloud = TestCloud(aio: aio, task: task, base: "http://127.0.0.1:\(port)")
        try await cloud.waitUntil("\(hosts) hypervisors are up") {
            let (_, body) = try await cloud.get("/v2.1/os-hypervisors")
            return (body["hypervisors"] as? [[String: Any]])?.filter { $0["state"] as? String == "up" }.count == hosts
        }
        return cloud
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

    // MARK: HTTP

    func request(_ method: String, _ path: String, _ body: Any? = nil, headers: [String: String] = [:])
        async throws -> (Int, [String: Any])
    {
        var req = URLRequest(url: URL(string: base + path)!)
        req.httpMethod = method
        for (k, v) in headers { req.setValue(v, forHTTPHeaderField: k) }
        if let body {
            req.httpBody = try body as? Data ?? JSONSerialization.data(withJSONObject: body)
            req.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: req)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let json = data.isEmpty ? [:] : (try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:])
        return (status, json)
    }

    func get(_ path: String) async throws -> (Int, [String: Any]) { try await request("GET", path) }

    func createFlavor(_ id: String, ram: Int, vcpus: Int = 1, disk: Int = 1) async throws {
        let (status, _) = try await request("POST", "/v2.1/flavors",
                                            ["flavor": ["name": id, "id": id, "ram": ram, "vcpus": vcpus, "disk": disk]])
        #expect(status == 200)
    }

    /// Boots `count` servers in one request; returns their ids.
    func boot(_ name: String, flavor: String, count: Int = 1) async throws -> [String] {
        let (status, body) = try await request("POST", "/v2.1/servers", [
            "server": ["name": name, "imageRef": "cirros", "flavorRef": flavor, "min_count": count, "max_count": count],
        ])
        #expect(status == 202)
        #expect((body["server"] as? [String: Any])?["id"] != nil)
        let (_, list) = try await get("/v2.1/servers/detail")
        let ids = (list["servers"] as? [[String: Any]] ?? []).filter {
            ($0["name"] as? String)?.hasPrefix(name) == true
        }.compactMap { $0["id"] as? String }
        try #require(ids.count == count)
        return ids
    }

    func server(_ id: String) async throws -> [String: Any] {
        let (status, body) = try await get("/v2.1/servers/\(id)")
        #expect(status == 200)
        return body["server"] as? [String: Any] ?? [:]
    }

    /// Waits until every server has left BUILD; returns id → status.
    func settle(_ ids: [String]) async throws -> [String: String] {
        var statuses: [String: String] = [:]
        try await waitUntil("servers leave BUILD") {
            for id in ids { statuses[id] = try await self.server(id)["status"] as? String }
            return statuses.values.allSatisfy { $0 != "BUILD" }
        }
        return statuses
    }

    func hypervisors() async throws -> [[String: Any]] {
        (try await get("/v2.1/os-hypervisors/detail").1["hypervisors"] as? [[String: Any]]) ?? []
    }

    /// Polls a condition; the bound only keeps a broken build from hanging the suite (not a timing assertion).
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

func sum(_ rows: [[String: Any]], _ key: String) -> Int { rows.reduce(0) { $0 + ($1[key] as? Int ?? 0) } }

/// A free TCP port on 127.0.0.1 (bound, read back, released).
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
}
