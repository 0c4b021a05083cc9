import Foundation
import Logging
import NimbusKernel
import NimbusKernelTestKit
import Synchronization
import ZeroMQTransport

/// Builds ZeroMQ transports on 127.0.0.1 for tests and shuts every one of them down afterwards.
final class ZMQFixture: Sendable {
    private let created = Mutex<[ZeroMQTransport]>([])
    let root: String

    init() throws {
        root = NSTemporaryDirectory() + "nimbus-zmq-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    /// A node's state directory with a fresh keypair; returns (state_path, public key).
    func node(_ name: String, keys: Bool = true) throws -> (state: String, publicKey: String?) {
        let state = "\(root)/\(name)"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        guard keys else { return (state, nil) }
        let pair = try CurveKeyFiles.generate(secretKeyFile: "\(state)/zmq/curve.key", publicKeyFile: "\(state)/zmq/curve.pub")
        return (state, pair.publicKey)
    }

    func allow(_ keys: [String?], in state: String) throws {
        try keys.compactMap { $0 }.joined(separator: "\n").write(toFile: "\(state)/zmq/allowed_clients", atomically: true,
                                                                  encoding: .utf8)
    }

    func make(url: String, _ options: [String: String] = [:]) throws -> ZeroMQTransport {
        var overrides = options
        overrides["DEFAULT.transport_url"] = url
        let config = try NimbusConfig(overrides: overrides)
        var logger = Logger(label: "zmq-test")
        logger.logLevel = .warning
        let t = try ZeroMQTransport(context: PluginContext(config: config, logger: logger))
        created.withLock { $0.append(t) }
        return t
    }

    /// A controller bound on an ephemeral port; returns it and its transport_url.
    func controller(_ options: [String: String] = [:]) async throws -> (ZeroMQTransport, String) {
        let t = try make(url: "zmq://127.0.0.1:0", options)
        let endpoint = try await t.bind()
        return (t, "zmq://" + endpoint.dropFirst("tcp://".count))
    }

    func shutdownAll() async {
        for t in created.withLock({ $0 }) { await t.shutdown() }
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Runs `body`, then shuts everything down whether or not it threw.
    static func with<R>(_ body: (ZMQFixture) async throws -> R) async throws -> R {
        let f = try ZMQFixture()
        do {
            let r = try await body(f)
            await f.shutdownAll()
            return r
        } catch {
            await f.shutdownAll()
            throw error
        }
    }

    /// The conformance pair: the controller (`server`), a compute-like node bound elsewhere
    /// (`secondServer`) that the client finds through its resolver, as the daemons will through the
    /// services table, and a client that knows only the controller's address.
    func conformancePair(curve: Bool) async throws -> TransportConformance.Pair {
        var base: [String: String] = [:]
        var states: [String: (state: String, publicKey: String?)] = [:]
        if curve {
            for n in ["controller", "second", "client"] { states[n] = try node(n) }
            let clientKey = states["client"]!.publicKey
            try allow([clientKey], in: states["controller"]!.state)
            try allow([clientKey], in: states["second"]!.state)
            base["zmq.curve_enabled"] = "true"
        }
        func opts(_ n: String) -> [String: String] {
            var o = base
            if let s = states[n] { o["DEFAULT.state_path"] = s.state }
            return o
        }
        let (server, url) = try await controller(opts("controller"))
        var secondOptions = opts("second")
        secondOptions["zmq.bind_address"] = "tcp://127.0.0.1:0"
        let second = try make(url: url, secondOptions)
        let secondEndpoint = try await second.bind()
        var clientOptions = opts("client")
        if curve { clientOptions["zmq.curve_server_public_key_file"] = "\(states["controller"]!.state)/zmq/curve.pub" }
        let client = try make(url: url, clientOptions)
        let peer = ZeroMQPeer(endpoint: secondEndpoint, publicKey: second.publicKey)
        client.setResolver { target in second.isListening(target) ? [peer] : [] }
        return .init(server: server, client: client, secondServer: second)
    }
}
