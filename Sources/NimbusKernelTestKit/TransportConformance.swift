import Foundation
import NimbusKernel

/// The suite every `Transport` passes. The factory returns a fresh pair: `server` listens, `client`
/// sends (for the in-process transport they share a bus; for ZeroMQ, a bound and a connecting side).
/// Topics are unique per check so suites can run in parallel.
public enum TransportConformance {
    public struct Pair: Sendable {
        public let server: any Transport
        public let client: any Transport
        /// A second server-side transport for fanout checks (may be the same as `server`).
        public let secondServer: any Transport
        public init(server: any Transport, client: any Transport, secondServer: (any Transport)? = nil) {
            self.server = server
            self.client = client
            self.secondServer = secondServer ?? server
        }
    }

    public typealias Factory = @Sendable () async throws -> Pair
    public typealias Check = ConformanceCheck<Factory>

    static func topic(_ name: String) -> String { "conf-\(name)-\(UUID().uuidString.prefix(8))" }

    /// Echo server: replies with the payload prefixed by `prefix`, for requests; records casts.
    static func serve(_ t: any Transport, _ target: TransportTarget, prefix: String = "") async throws
        -> (TransportSubscription, Task<[Data], Never>)
    {
        let sub = try await t.listen(target)
        let task = Task {
            var casts: [Data] = []
            for await m in sub.messages {
                if let r = m.replyChannel {
                    try? await r.reply(Data(prefix.utf8) + m.payload)
                } else {
                    casts.append(m.payload)
                }
            }
            return casts
        }
        return (sub, task)
    }

    /// Transports may need a moment after `listen` before a connecting peer reaches them.
    static func settle() async throws { try await Task.sleep(for: .milliseconds(100)) }

    public static let all: [Check] = [
        Check("request gets its reply") { factory in
            let p = try await factory()
            let target = TransportTarget(topic: topic("req"), server: "s1")
            let (sub, _) = try await serve(p.server, target, prefix: "re:")
            try await settle()
            let reply = try await p.client.request(Data("ping".utf8), to: target, timeout: .seconds(5))
            try require(reply == Data("re:ping".utf8), "request", "got \(String(decoding: reply, as: UTF8.self))")
            await sub.cancel()
        },
        Check("topic without server reaches a listener") { factory in
            let p = try await factory()
            let t = topic("any")
            let (sub, _) = try await serve(p.server, TransportTarget(topic: t, server: "only"), prefix: "x")
            try await settle()
            let reply = try await p.client.request(Data("1".utf8), to: TransportTarget(topic: t), timeout: .seconds(5))
            try require(reply == Data("x1".utf8), "topic", "got \(reply.count) bytes")
            await sub.cancel()
        },
        Check("server-directed messages reach only that server") { factory in
            let p = try await factory()
            let t = topic("direct")
            let (a, _) = try await serve(p.server, TransportTarget(topic: t, server: "a"), prefix: "a:")
            let (b, _) = try await serve(p.secondServer, TransportTarget(topic: t, server: "b"), prefix: "b:")
            try await settle()
            for _ in 0..<5 {
                let r = try await p.client.request(Data("m".utf8), to: TransportTarget(topic: t, server: "b"),
                                                   timeout: .seconds(5))
                try require(r == Data("b:m".utf8), "direct", "reply from the wrong server")
            }
            await a.cancel()
            await b.cancel()
        },
        Check("concurrent requests get their own replies") { factory in
            let p = try await factory()
            let target = TransportTarget(topic: topic("conc"), server: "s")
            let (sub, _) = try await serve(p.server, target)
            try await settle()
            try await withThrowingTaskGroup(of: Void.self) { g in
                for i in 0..<64 {
                    g.addTask {
                        let r = try await p.client.request(Data("n\(i)".utf8), to: target, timeout: .seconds(10))
                        try require(r == Data("n\(i)".utf8), "concurrent", "request \(i) got another reply")
                    }
                }
                try await g.waitForAll()
            }
            await sub.cancel()
        },
        Check("send delivers in order without a reply") { factory in
            let p = try await factory()
            let target = TransportTarget(topic: topic("cast"), server: "s")
            let (sub, task) = try await serve(p.server, target)
            try await settle()
            for i in 0..<20 { try await p.client.send(Data("c\(i)".utf8), to: target) }
            // A request after the casts flushes them through the same path.
            _ = try await p.client.request(Data("sync".utf8), to: target, timeout: .seconds(5))
            await sub.cancel()
            let casts = await task.value
            try require(casts == (0..<20).map { Data("c\($0)".utf8) }, "cast", "received \(casts.count) casts")
        },
        Check("fanout reaches every listener of the topic") { factory in
            let p = try await factory()
            let t = topic("fan")
            let (a, ta) = try await serve(p.server, TransportTarget(topic: t, server: "a"))
            let (b, tb) = try await serve(p.secondServer, TransportTarget(topic: t, server: "b"))
            try await settle()
            try await p.client.fanout(Data("all".utf8), topic: t)
            for s in ["a", "b"] {
                _ = try await p.client.request(Data("sync".utf8), to: TransportTarget(topic: t, server: s),
                                               timeout: .seconds(5))
            }
            await a.cancel()
            await b.cancel()
            let (ca, cb) = (await ta.value, await tb.value)
            try require(ca == [Data("all".utf8)] && cb == [Data("all".utf8)], "fanout", "a got \(ca.count), b \(cb.count)")
        },
        Check("request to nobody fails with a transport error") { factory in
            let p = try await factory()
            do {
                _ = try await p.client.request(Data("x".utf8), to: TransportTarget(topic: topic("none"), server: "z"),
                                               timeout: .milliseconds(300))
                try require(false, "nobody", "a request with no listener succeeded")
            } catch is TransportError {}
        },
        Check("request times out when the server does not reply") { factory in
            let p = try await factory()
            let target = TransportTarget(topic: topic("silent"), server: "s")
            let sub = try await p.server.listen(target)  // listens, never replies
            try await settle()
            let start = ContinuousClock.now
            do {
                _ = try await p.client.request(Data("x".utf8), to: target, timeout: .milliseconds(300))
                try require(false, "timeout", "got a reply from a silent server")
            } catch let e as TransportError {
                guard case .timeout = e else { throw ConformanceFailure(check: "timeout", message: "got \(e)") }
            }
            try require(ContinuousClock.now - start < .seconds(30), "timeout", "timeout took far longer than asked")
            await sub.cancel()
        },
        Check("after a listener is cancelled, requests to it fail with a transport error") { factory in
            let p = try await factory()
            let target = TransportTarget(topic: topic("gone"), server: "s")
            let (sub, _) = try await serve(p.server, target, prefix: "r:")
            try await settle()
            _ = try await p.client.request(Data("1".utf8), to: target, timeout: .seconds(5))
            await sub.cancel()
            do {
                _ = try await p.client.request(Data("2".utf8), to: target, timeout: .milliseconds(500))
                try require(false, "cancelled", "a cancelled listener still answered")
            } catch is TransportError {}
        },
        Check("large payloads arrive intact") { factory in
            let p = try await factory()
            let target = TransportTarget(topic: topic("big"), server: "s")
            let (sub, _) = try await serve(p.server, target)
            try await settle()
            let big = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            let r = try await p.client.request(big, to: target, timeout: .seconds(10))
            try require(r == big, "large", "payload changed in transit")
            await sub.cancel()
        },
    ]
}
