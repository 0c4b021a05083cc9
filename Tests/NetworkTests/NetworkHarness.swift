import Foundation
import Logging
import NimbusKernel
import NimbusKernelTestKit
import NimbusNetwork
import NimbusStore
import ServiceLifecycle

/// Fixed tokens: "admin" (admin of p-admin), "alice" (member of p-demo), "carol" (reader of p-demo),
/// "bob" (member of p-other).
struct FixedTokens: TokenValidator {
    func validate(token: String) async throws -> AuthContext {
        switch token {
        case "admin": AuthContext(userID: "u-admin", userName: "admin", projectID: "p-admin", projectName: "admin",
                                  roles: ["admin", "member", "reader"])
        case "alice": AuthContext(userID: "u-alice", userName: "alice", projectID: "p-demo", projectName: "demo",
                                  roles: ["member", "reader"])
        case "carol": AuthContext(userID: "u-carol", userName: "carol", projectID: "p-demo", projectName: "demo",
                                  roles: ["reader"])
        case "bob": AuthContext(userID: "u-bob", userName: "bob", projectID: "p-other", projectName: "other",
                                roles: ["member", "reader"])
        default: throw TokenError.invalid("unknown test token")
        }
    }
}

/// The networking API on 127.0.0.1 (free port) with its own store, over real HTTP.
final class NetworkHarness: StoppableHarness {
    let store: NimbusStore
    let base: String
    let task: Task<Void, any Error>

    static func start(limitMax: Int = 1000) async throws -> NetworkHarness {
        let dir = NSTemporaryDirectory() + "nimbus-network-\(UUID().uuidString.prefix(8))"
        let store = try NimbusStore(path: dir + "/nimbus.sqlite")
        _ = try store.migrate()
        var logger = Logger(label: "network-tests")
        logger.logLevel = .warning
        let api = NetworkAPI(store: store, validator: FixedTokens(), config: NetworkConfig(limitMax: limitMax),
                             authURI: "http://127.0.0.1:5000", logger: logger)
        let (stream, cont) = AsyncStream.makeStream(of: Int.self)
        let service = api.service(host: "127.0.0.1", port: 0, onBound: { cont.yield($0) })
        let task = Task { try await service.run() }
        var port = 0
        for await p in stream { port = p; break }
        return NetworkHarness(store: store, base: "http://127.0.0.1:\(port)", task: task)
    }

    private init(store: NimbusStore, base: String, task: Task<Void, any Error>) {
        self.store = store
        self.base = base
        self.task = task
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }

    func request(_ method: String, _ path: String, json: Any? = nil, token: String? = "admin") async throws -> HTTPAnswer {
        var hs: [String: String] = [:]
        if let token { hs["X-Auth-Token"] = token }
        if json != nil { hs["Content-Type"] = "application/json" }
        let body: Any? = try json.map { try JSONSerialization.data(withJSONObject: $0) }
        return try await TestHTTP.send(method, base + path, body: body, headers: hs)
    }

    /// POSTs `{"<resource>": fields}` to `/v2.0/<resource>s` and returns the new id (201 required).
    func create(_ resource: String, _ fields: [String: Any], token: String = "admin",
                collection: String? = nil) async throws -> String {
        let path = "/v2.0/" + (collection ?? resource + "s")
        let r = try await request("POST", path, json: [resource: fields], token: token)
        guard r.status == 201, let id = (r.body[resource] as? [String: Any])?["id"] as? String else {
            throw TestFailure("create \(resource) failed: \(r.status) \(String(decoding: r.raw, as: UTF8.self))")
        }
        return id
    }

    /// A network with one subnet; returns (network id, subnet id).
    func networkWithSubnet(_ cidr: String, token: String = "admin", extra: [String: Any] = [:],
                           network: [String: Any] = [:]) async throws -> (String, String) {
        let net = try await create("network", ["name": "net-\(cidr)"].merging(network) { $1 }, token: token)
        let sub = try await create("subnet", ["network_id": net, "cidr": cidr, "ip_version": cidr.contains(":") ? 6 : 4]
            .merging(extra) { $1 }, token: token)
        return (net, sub)
    }
}

extension HTTPAnswer {
    /// Neutron's error body: (type, message).
    var neutronError: (String, String)? {
        guard let e = body["NeutronError"] as? [String: Any] else { return nil }
        return (e["type"] as? String ?? "", e["message"] as? String ?? "")
    }

    func object(_ key: String) -> [String: Any] { body[key] as? [String: Any] ?? [:] }
    func list(_ key: String) -> [[String: Any]] { body[key] as? [[String: Any]] ?? [] }
}
