import Foundation
import NimbusKernel
import Testing
import ZeroMQTransport

@Suite("ZeroMQ CURVE")
struct CurveTests {
    let target = TransportTarget(topic: "conductor", server: "c1")

    /// A CURVE controller whose allow-list holds only `allowed`'s key; returns it and its URL.
    func controller(_ f: ZMQFixture, allowing names: [String]) async throws -> (ZeroMQTransport, String, String) {
        let node = try f.node("controller")
        var keys: [String?] = []
        for n in names { keys.append(try f.node(n).publicKey) }
        try f.allow(keys, in: node.state)
        let (server, url) = try await f.controller(["zmq.curve_enabled": "true", "DEFAULT.state_path": node.state])
        try await echo(server, target, prefix: "ok:")
        return (server, url, "\(node.state)/zmq/curve.pub")
    }

    func client(_ f: ZMQFixture, _ name: String, url: String, serverKeyFile: String) throws -> ZeroMQTransport {
        try f.make(url: url, ["zmq.curve_enabled": "true", "DEFAULT.state_path": "\(f.root)/\(name)",
                              "zmq.curve_server_public_key_file": serverKeyFile])
    }

    @Test func anAllowedClientIsServed() async throws {
        try await ZMQFixture.with { f in
            let (_, url, serverKey) = try await controller(f, allowing: ["good"])
            let good = try client(f, "good", url: url, serverKeyFile: serverKey)
            #expect(try await good.request(Data("a".utf8), to: target, timeout: .seconds(10)) == Data("ok:a".utf8))
        }
    }

    @Test func aClientWithAnUnknownKeyIsRefused() async throws {
        try await ZMQFixture.with { f in
            let (_, url, serverKey) = try await controller(f, allowing: ["good"])
            _ = try f.node("stranger")
            let stranger = try client(f, "stranger", url: url, serverKeyFile: serverKey)
            do {
                _ = try await stranger.request(Data("a".utf8), to: target, timeout: .seconds(60))
                Issue.record("an unknown client was served")
            } catch let TransportError.connectionFailed(why) {
                #expect(why.contains("handshake failed") && why.contains("refused"), "\(why)")
            }
        }
    }

    @Test func aWrongServerKeyFailsClearlyInsteadOfHanging() async throws {
        try await ZMQFixture.with { f in
            let (_, url, _) = try await controller(f, allowing: ["client"])
            let impostor = try f.node("impostor")  // the client holds this key as the "server" key
            let c = try client(f, "client", url: url, serverKeyFile: "\(impostor.state)/zmq/curve.pub")
            do {
                _ = try await c.request(Data("a".utf8), to: target, timeout: .seconds(60))
                Issue.record("a request with the wrong server key succeeded")
            } catch let TransportError.connectionFailed(why) {
                #expect(why.contains("CURVE handshake failed"), "\(why)")
            }
            // Later sends fail fast with the same reason while the key stays wrong.
            await #expect(throws: TransportError.self) { try await c.send(Data("b".utf8), to: target) }
        }
    }

    @Test func aMissingSecretKeyIsAClearStartupError() async throws {
        try await ZMQFixture.with { f in
            let node = try f.node("nokeys", keys: false)
            #expect(throws: CurveKeyError.self) {
                try f.make(url: "zmq://127.0.0.1:1", ["zmq.curve_enabled": "true", "DEFAULT.state_path": node.state])
            }
        }
    }

    @Test func keygenWritesAPrivateSecretAndRefusesToOverwrite() throws {
        let dir = NSTemporaryDirectory() + "nimbus-keygen-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pair = try CurveKeyFiles.generate(secretKeyFile: "\(dir)/k/curve.key", publicKeyFile: "\(dir)/k/curve.pub")
        #expect(CurveKeyPair.isZ85Key(pair.publicKey) && CurveKeyPair.isZ85Key(pair.secretKey))
        #expect(try CurveKeyPair.publicKey(forSecret: pair.secretKey) == pair.publicKey)
        let mode = try FileManager.default.attributesOfItem(atPath: "\(dir)/k/curve.key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(throws: CurveKeyError.self) {
            try CurveKeyFiles.generate(secretKeyFile: "\(dir)/k/curve.key", publicKeyFile: "\(dir)/k/curve.pub")
        }
    }
}
