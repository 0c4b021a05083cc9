import Foundation
import NimbusKernel
import Testing
import ZeroMQTransport

/// Routing between several processes' ROUTERs: explicit endpoints, bare topics, fanout, topic_endpoints.
@Suite("ZeroMQ directory")
struct DirectoryTests {
    @Test func fanoutAndBareTopicsReachTheComputesSetInTheDirectory() async throws {
        try await ZMQFixture.with { f in
            let (_, url) = try await f.controller()
            let client = try f.make(url: url)
            var casts: [Task<[Data], Never>] = []
            for host in ["h1", "h2"] {
                let compute = try f.make(url: url, ["zmq.bind_address": "tcp://127.0.0.1:0"])
                let target = TransportTarget(topic: "compute", server: host)
                let sub = try await compute.listen(target)
                casts.append(Task {
                    var seen: [Data] = []
                    for await m in sub.messages {
                        if let r = m.replyChannel { try? await r.reply(Data(host.utf8)) } else { seen.append(m.payload) }
                        if seen.count == 1 { await sub.cancel() }
                    }
                    return seen
                })
                try client.setEndpoint(compute.boundEndpoint, publicKey: nil, for: target)
            }
            // A bare topic goes to one of its servers, round-robin.
            var answered = Set<String>()
            for _ in 0..<4 {
                let r = try await client.request(Data(), to: TransportTarget(topic: "compute"), timeout: .seconds(10))
                answered.insert(String(decoding: r, as: UTF8.self))
            }
            #expect(answered == ["h1", "h2"])
            // Fanout reaches both (and the controller, which has no compute listener and drops it).
            try await client.fanout(Data("all".utf8), topic: "compute")
            for t in casts { #expect(await t.value == [Data("all".utf8)]) }
        }
    }

    @Test func topicEndpointsRouteAControllerServiceLivingElsewhere() async throws {
        try await ZMQFixture.with { f in
            let (_, url) = try await f.controller()
            let scheduler = try f.make(url: url, ["zmq.bind_address": "tcp://127.0.0.1:0"])
            try await echo(scheduler, TransportTarget(topic: "scheduler"), prefix: "sched:")
            let endpoint = try #require(scheduler.boundEndpoint)
            let client = try f.make(url: url, ["zmq.topic_endpoints": "scheduler=\(endpoint.dropFirst(6))"])
            let r = try await client.request(Data("x".utf8), to: TransportTarget(topic: "scheduler"), timeout: .seconds(10))
            #expect(r == Data("sched:x".utf8))
        }
    }

    @Test func badURLsAreRejected() throws {
        #expect(throws: TransportError.self) { try ZeroMQURL.endpoint(fromTransportURL: "rabbit://h:5672") }
        #expect(throws: TransportError.self) { try ZeroMQURL.endpoint(fromTransportURL: "zmq://nohost") }
        #expect(throws: TransportError.self) { try ZeroMQURL.normalize("tcp://h:99999") }
        #expect(try ZeroMQURL.endpoint(fromTransportURL: "zmq://127.0.0.1:9500/") == "tcp://127.0.0.1:9500")
    }
}

@Suite("ZeroMQ idle connections")
struct IdleConnectionTests {
    @Test func aConnectionNobodyUsesIsClosedAndReopenedOnDemand() async throws {
        try await ZMQFixture.with { f in
            let (server, url) = try await f.controller()
            let target = TransportTarget(topic: "conductor")
            try await echo(server, target, prefix: "ok:")
            let client = try f.make(url: url, ["zmq.peer_idle_timeout": "0.2"])
            _ = try await client.request(Data("a".utf8), to: target, timeout: .seconds(10))
            // (Not asserted here that the connection is still open: on a loaded machine it may already have
            // idled out; what matters is that it closes and is reopened on demand.)
            // Closed once idle (polled with a generous deadline, not timed).
            let deadline = ContinuousClock.now + .seconds(30)
            while !client.connectedEndpoints.isEmpty && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(client.connectedEndpoints.isEmpty)
            #expect(try await client.request(Data("b".utf8), to: target, timeout: .seconds(10)) == Data("ok:b".utf8))
        }
    }
}
