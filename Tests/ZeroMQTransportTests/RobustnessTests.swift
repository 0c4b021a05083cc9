import Foundation
import NimbusKernel
import Testing
import ZeroMQTransport

/// Echo listener: replies to requests with `prefix + payload`.
@discardableResult
func echo(_ t: any Transport, _ target: TransportTarget, prefix: String = "", replyWith: Data? = nil) async throws
    -> TransportSubscription
{
    let sub = try await t.listen(target)
    Task {
        for await m in sub.messages {
            try? await m.replyChannel?.reply(replyWith ?? Data(prefix.utf8) + m.payload)
        }
    }
    return sub
}

@Suite("ZeroMQ robustness")
struct RobustnessTests {
    let target = TransportTarget(topic: "conductor", server: "c1")

    @Test func garbageFramesGetAnErrorAndTheServerKeepsServing() async throws {
        try await ZMQFixture.with { f in
            let (server, url) = try await f.controller()
            try await echo(server, target, prefix: "ok:")
            let raw = RawDealer(connect: server.boundEndpoint!)
            defer { raw.close() }
            let garbage: [[Data]] = [
                [Data("garbage".utf8)],  // one frame
                [Data([1, 2, 3]), Data("x".utf8)],  // bad header
                [wireHeader(kind: 9, id: 7, topic: "conductor", server: nil), Data()],  // unknown kind
                [Data("a".utf8), Data("b".utf8), Data("c".utf8)],  // too many frames
            ]
            for frames in garbage {
                raw.send(frames)
                let reply = try #require(await raw.receive(), "no error reply to \(frames)")
                #expect(reply.count == 2)
                #expect(reply[0].count >= 4 && reply[0][reply[0].startIndex + 3] == 5, "expected an error frame")
                #expect(reply[1].first == 4, "expected the 'malformed' code")
            }
            // A well-formed request from the raw socket is answered like any other.
            raw.send([wireHeader(kind: 1, id: 42, topic: "conductor", server: "c1"), Data("hi".utf8)])
            let ok = try #require(await raw.receive())
            #expect(ok.count == 2 && ok[1] == Data("ok:hi".utf8))
            // And the transport still serves its real clients.
            let client = try f.make(url: url)
            let r = try await client.request(Data("ping".utf8), to: target, timeout: .seconds(10))
            #expect(r == Data("ok:ping".utf8))
        }
    }

    @Test func oversizedMessagesAreRefused() async throws {
        try await ZMQFixture.with { f in
            let (server, url) = try await f.controller(["zmq.max_message_size": "1024"])
            try await echo(server, target, prefix: "ok:")
            try await echo(server, TransportTarget(topic: "big-reply"), replyWith: Data(count: 4096))
            // A raw peer sending more than the limit is cut off by libzmq (ZMQ_MAXMSGSIZE) ...
            let raw = RawDealer(connect: server.boundEndpoint!)
            raw.send([wireHeader(kind: 1, id: 1, topic: "conductor", server: "c1"), Data(count: 8192)])
            raw.close()
            // ... a transport refuses to send it at all ...
            let client = try f.make(url: url, ["zmq.max_message_size": "1024"])
            await #expect(throws: TransportError.messageTooLarge(4096, limit: 1024)) {
                try await client.request(Data(count: 4096), to: target, timeout: .seconds(10))
            }
            // ... a reply over the server's limit comes back as an error, not a timeout ...
            let roomy = try f.make(url: url)
            await #expect(throws: TransportError.messageTooLarge(4096, limit: 1024)) {
                try await roomy.request(Data("x".utf8), to: TransportTarget(topic: "big-reply"), timeout: .seconds(30))
            }
            // ... and the server keeps serving.
            let r = try await client.request(Data("ping".utf8), to: target, timeout: .seconds(10))
            #expect(r == Data("ok:ping".utf8))
        }
    }

    @Test func reconnectsWhenThePeerRestarts() async throws {
        try await ZMQFixture.with { f in
            let (first, url) = try await f.controller()
            try await echo(first, target, prefix: "1:")
            let client = try f.make(url: url)
            #expect(try await client.request(Data("a".utf8), to: target, timeout: .seconds(10)) == Data("1:a".utf8))
            await first.shutdown()
            // The same address, a new process: the client's DEALER reconnects by itself.
            let second = try f.make(url: url)
            try await echo(second, target, prefix: "2:")
            #expect(try await client.request(Data("b".utf8), to: target, timeout: .seconds(30)) == Data("2:b".utf8))
        }
    }

    @Test func aPeerThatMovedIsFoundAtItsNewEndpoint() async throws {
        try await ZMQFixture.with { f in
            let (_, url) = try await f.controller()
            let host = TransportTarget(topic: "compute", server: "host1")
            let client = try f.make(url: url)
            for round in 1...2 {
                let compute = try f.make(url: url, ["zmq.bind_address": "tcp://127.0.0.1:0"])
                try await echo(compute, host, prefix: "\(round):")
                try client.setEndpoint(compute.boundEndpoint, publicKey: nil, for: host)
                let r = try await client.request(Data("x".utf8), to: host, timeout: .seconds(10))
                #expect(r == Data("\(round):x".utf8))
                await compute.shutdown()
            }
        }
    }

    @Test func castsToAnUnreachablePeerHitTheHighWaterMark() async throws {
        try await ZMQFixture.with { f in
            let (gone, url) = try await f.controller()
            await gone.shutdown()  // nobody listens at url now
            let client = try f.make(url: url, ["zmq.hwm": "10"])
            var refused: TransportError?
            for i in 0..<100_000 {
                do { try await client.send(Data("\(i)".utf8), to: target) } catch let e as TransportError {
                    refused = e
                    break
                }
            }
            #expect(refused == .queueFull(target))
            // The dead peer's full queue does not hold up a live one.
            let live = try f.make(url: url, ["zmq.bind_address": "tcp://127.0.0.1:0"])
            let host = TransportTarget(topic: "compute", server: "h1")
            try await echo(live, host, prefix: "live:")
            try client.setEndpoint(live.boundEndpoint, publicKey: nil, for: host)
            for i in 0..<5 { try await client.send(Data("\(i)".utf8), to: host) }  // under its HWM of 10
            #expect(try await client.request(Data("x".utf8), to: host, timeout: .seconds(10)) == Data("live:x".utf8))
        }
    }

    @Test func aFullListenerQueueIsReportedToTheCaller() async throws {
        try await ZMQFixture.with { f in
            let (server, url) = try await f.controller(["zmq.hwm": "2"])
            let sub = try await server.listen(target)  // never consumed
            let client = try f.make(url: url)
            let errors = await withTaskGroup(of: TransportError?.self) { g in
                for i in 0..<8 {
                    g.addTask {
                        do {
                            _ = try await client.request(Data("\(i)".utf8), to: target, timeout: .seconds(3))
                            return nil
                        } catch { return error as? TransportError }
                    }
                }
                return await g.reduce(into: [TransportError?]()) { $0.append($1) }
            }
            #expect(errors.contains(.queueFull(target)))
            await sub.cancel()
        }
    }
}

@Suite("ZeroMQ cancellation")
struct CancellationTests {
    @Test func aCancelledCallEndsAndTheTransportKeepsWorking() async throws {
        try await ZMQFixture.with { f in
            let (server, url) = try await f.controller()
            let silent = TransportTarget(topic: "silent", server: "s")
            let sub = try await server.listen(silent)  // never replies
            let client = try f.make(url: url)
            let call = Task { try await client.request(Data("x".utf8), to: silent, timeout: .seconds(120)) }
            try await Task.sleep(for: .milliseconds(100))
            call.cancel()
            await #expect(throws: CancellationError.self) { try await call.value }
            let echoTarget = TransportTarget(topic: "echo", server: "s")
            try await echo(server, echoTarget, prefix: "e:")
            #expect(try await client.request(Data("y".utf8), to: echoTarget, timeout: .seconds(10)) == Data("e:y".utf8))
            await sub.cancel()
        }
    }
}
