import Foundation
import Logging
import NimbusImage
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import ServiceLifecycle


/// Fixed tokens: "admin" (admin of project p-admin), "alice" (member of p-demo), "carol" (reader of p-demo),
/// "bob" (member of p-other), "svc" (only a role Glance's policies do not name, on p-demo).
struct FixedTokens: TokenValidator {
    func validate(token: String) async throws -> AuthContext {
        switch token {
        case "admin": AuthContext(userID: "u-admin", userName: "admin", projectID: "p-admin", projectName: "admin",
                                  roles: ["admin", "member", "reader"])
        case "alice": AuthContext(userID: "u-alice", userName: "alice", projectID: "p-demo", projectName: "demo",
                                  roles: ["member", "reader"])
        case "carol": AuthContext(userID: "u-carol", userName: "carol", projectID: "p-demo", projectName: "demo",
                                  roles: ["reader"])
        case "svc": AuthContext(userID: "u-svc", userName: "svc", projectID: "p-demo", projectName: "demo",
                                roles: ["service"])
        case "bob": AuthContext(userID: "u-bob", userName: "bob", projectID: "p-other", projectName: "other",
                                roles: ["member", "reader"])
        default: throw TokenError.invalid("unknown test token")
        }
    }
}

/// The image API on 127.0.0.1 (free port) with its own store and data directory, over real HTTP.
final class ImageHarness: StoppableHarness {
    let store: NimbusStore
    let dataDirectory: String
    let base: String
    let task: Task<Void, any Error>

    static func start(sizeCap: Int = 1 << 30, limitDefault: Int = 25) async throws -> ImageHarness {
        let dir = NSTemporaryDirectory() + "nimbus-image-\(UUID().uuidString.prefix(8))"
        let store = try NimbusStore(path: dir + "/nimbus.sqlite")
        try store.migrate()
        var logger = Logger(label: "image-tests")
        logger.logLevel = .warning
        let config = ImageConfig(dataDirectory: dir + "/images", sizeCap: sizeCap, limitDefault: limitDefault, limitMax: 100)
        let api = try ImageAPI(store: store, validator: FixedTokens(), config: config, authURI: "http://127.0.0.1:5000",
                               logger: logger)
        let (stream, cont) = AsyncStream.makeStream(of: Int.self)
        let service = api.service(host: "127.0.0.1", port: 0, onBound: { cont.yield($0) })
        let task = Task { try await service.run() }
        var port = 0
        for await p in stream { port = p; break }
        return ImageHarness(store: store, dataDirectory: config.dataDirectory, base: "http://127.0.0.1:\(port)", task: task)
    }

    private init(store: NimbusStore, dataDirectory: String, base: String, task: Task<Void, any Error>) {
        self.store = store
        self.dataDirectory = dataDirectory
        self.base = base
        self.task = task
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }

    typealias Reply = HTTPAnswer

    func request(_ method: String, _ path: String, json: Any? = nil, data: Data? = nil, token: String? = "admin",
                 contentType: String? = nil) async throws -> Reply {
        var hs: [String: String] = [:]
        if let token { hs["X-Auth-Token"] = token }
        if json != nil { hs["Content-Type"] = contentType ?? "application/json" }
        else if data != nil { hs["Content-Type"] = contentType ?? "application/octet-stream" }
        let body: Any? = try json.map { try JSONSerialization.data(withJSONObject: $0) } ?? data
        return try await TestHTTP.send(method, base + path, body: body, headers: hs)
    }

    func patch(_ id: String, _ ops: [[String: Any]], token: String = "admin") async throws -> Reply {
        try await request("PATCH", "/v2/images/\(id)", json: ops, token: token,
                          contentType: "application/openstack-images-v2.1-json-patch")
    }

    func create(_ fields: [String: Any], token: String = "admin") async throws -> String {
        let r = try await request("POST", "/v2/images", json: fields, token: token)
        guard r.status == 201, let id = r.body["id"] as? String else {
            throw HarnessError("create failed: \(r.status) \(String(decoding: r.raw, as: UTF8.self))")
        }
        return id
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
