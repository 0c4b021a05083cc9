import Foundation
import Logging
import NimbusKernel
import NimbusKernelTestKit
import NimbusRPC
import Testing

@testable import InProcessTransport

func makeTransport(_ name: String = UUID().uuidString) throws -> any Transport {
    try InProcessTransport(context: PluginContext(
        config: try NimbusConfig(overrides: ["DEFAULT.transport_url": "inprocess://\(name)"]),
        logger: Logger(label: "test")))
}

@Suite struct InProcessTransportConformance {
    @Test(arguments: TransportConformance.all)
    func conformance(_ check: TransportConformance.Check) async throws {
        try await check.run {
            let t = try makeTransport()
            return TransportConformance.Pair(server: t, client: t)
        }
    }
}

struct Echo: Codable, Sendable, Equatable {
    var text: String
    var requestID: String?
}

@Suite struct RPCTests {
    /// An RPC server on `topic` with an echo method and a method that fails, run until the body returns.
    func withServer(_ t: any Transport, topic: String, version: String = "1.3",
                    _ body: (RPCClient) async throws -> Void) async throws {
        var e = RPCEndpoint(version: version)
        e.on("echo") { (m: Echo) in Echo(text: m.text, requestID: RequestContext.requestID) }
        e.on("fail") { (_: Empty) -> Empty in throw NoValidHost(report: FilterReport(steps: [
            .init(name: "ComputeFilter", hostsIn: 2, hostsOut: 0, reasons: ["service down": 2])])) }
        let (ready, cont) = AsyncStream.makeStream(of: Void.self)
        let server = RPCServer(transport: t, target: TransportTarget(topic: topic, server: "s1"), endpoints: [e],
                               logger: Logger(label: "test"), ready: cont)
        let task = Task { try await server.run() }
        for await _ in ready { break }
        defer { task.cancel() }
        try await body(RPCClient(transport: t, target: TransportTarget(topic: topic), version: "1.0",
                                 timeout: .seconds(5)))
    }

    @Test func callCarriesTheRequestID() async throws {
        let t = try makeTransport()
        try await withServer(t, topic: "svc") { client in
            let reply = try await RequestContext.$requestID.withValue("req-123") {
                try await client.call("echo", Echo(text: "hi"), returning: Echo.self)
            }
            #expect(reply == Echo(text: "hi", requestID: "req-123"))
        }
    }

    @Test func typedErrorsCrossTheWire() async throws {
        let t = try makeTransport()
        try await withServer(t, topic: "svc") { client in
            do {
                _ = try await client.call("fail", Empty(), returning: Empty.self)
                Issue.record("no error")
            } catch let e as RemoteError {
                #expect(e.type == "NoValidHost")
                #expect(e.decode(NoValidHost.self)?.report.steps.first?.reasons["service down"] == 2)
            }
        }
    }

    @Test func unknownMethodAndNewerVersionAreRefused() async throws {
        let t = try makeTransport()
        try await withServer(t, topic: "svc", version: "1.3") { client in
            // RPC-layer errors come back typed (RPCError), not as an opaque RemoteError.
            await #expect(throws: RPCError.noSuchMethod("nope")) {
                _ = try await client.call("nope", Empty(), returning: Empty.self)
            }
            await #expect(throws: RPCError.unsupportedVersion(method: "echo", requested: "1.4", served: "1.3")) {
                _ = try await client.call("echo", Echo(text: "x"), returning: Echo.self, version: "1.4")
            }
            await #expect(throws: RPCError.unsupportedVersion(method: "echo", requested: "2.0", served: "1.3")) {
                _ = try await client.call("echo", Echo(text: "x"), returning: Echo.self, version: "2.0")
            }
            // Arguments that do not decode: typed too, naming the method.
            do {
                _ = try await client.call("echo", Empty(), returning: Echo.self)
                Issue.record("bad arguments accepted")
            } catch let RPCError.badArguments(method, _) { #expect(method == "echo") }
            // Older minors of the same major are served.
            #expect(try await client.call("echo", Echo(text: "ok"), returning: Echo.self, version: "1.1").text == "ok")
        }
    }

    @Test func garbageFramesGetAnErrorAndTheServerKeepsServing() async throws {
        let t = try makeTransport()
        try await withServer(t, topic: "svc") { client in
            for garbage in [Data(), Data([0, 0]), Data([0, 0, 0, 200, 1, 2]), Data("{not json".utf8)] {
                let reply = try await t.request(garbage, to: TransportTarget(topic: "svc"), timeout: .seconds(5))
                let (header, _) = try Envelope.unframe(reply, as: Envelope.ReplyHeader.self)
                #expect(header.error?.type == "MalformedMessage")
            }
            try await t.send(Data("junk cast".utf8), to: TransportTarget(topic: "svc"))  // dropped and logged
            #expect(try await client.call("echo", Echo(text: "still"), returning: Echo.self).text == "still")
        }
    }

    @Test func castAndFanoutDeliver() async throws {
        let t = try makeTransport()
        let seen = AsyncStream.makeStream(of: String.self)
        var e = RPCEndpoint(version: "1.0")
        e.on("note") { (m: Echo) in
            seen.continuation.yield(m.text)
            return Empty()
        }
        var servers: [Task<Void, any Error>] = []
        for name in ["a", "b"] {
            let (ready, cont) = AsyncStream.makeStream(of: Void.self)
            let s = RPCServer(transport: t, target: TransportTarget(topic: "fan", server: name), endpoints: [e],
                              logger: Logger(label: "test"), ready: cont)
            servers.append(Task { try await s.run() })
            for await _ in ready { break }
        }
        let client = RPCClient(transport: t, target: TransportTarget(topic: "fan"))
        try await client.prepare(server: "a").cast("note", Echo(text: "cast"))
        try await client.fanout("note", Echo(text: "fanout"))
        var got: [String] = []
        for await text in seen.stream {
            got.append(text)
            if got.count == 3 { break }
        }
        #expect(got.sorted() == ["cast", "fanout", "fanout"])
        for s in servers { s.cancel() }
    }

    @Test func callTimesOut() async throws {
        let t = try makeTransport()
        let sub = try await t.listen(TransportTarget(topic: "silent", server: "x"))
        let client = RPCClient(transport: t, target: TransportTarget(topic: "silent"), timeout: .milliseconds(200))
        await #expect(throws: TransportError.self) { _ = try await client.call("echo", Echo(text: ""), returning: Echo.self) }
        await sub.cancel()
    }
}
