import Foundation
import HummingbirdWSClient
import Synchronization
import NIOCore
import NIOPosix
import NimbusConsole
import NimbusDaemons
import NimbusKernelTestKit
import NimbusStore
import NimbusTestCloud
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Figures for the closing note, not a test (nothing is asserted on them): run with
/// `NIMBUS_BENCH_CONSOLE=1 swift test --filter ConsoleProxyBenchmark`. Everything shares one process (clients,
/// proxy, fake RFB servers), so the RSS and CPU it prints are upper bounds for the proxy alone.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["NIMBUS_BENCH_CONSOLE"] != nil))
struct ConsoleProxyBenchmark {
    actor Gate {
        var open = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        func wait() async {
            if open { return }
            await withCheckedContinuation { waiters.append($0) }
        }
        func release() {
            open = true
            for w in waiters { w.resume() }
            waiters = []
        }
    }

    static func rssKB() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    static func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    @Test func idleConnectionsAndThroughput() async throws {
        let n = Int(ProcessInfo.processInfo.environment["NIMBUS_BENCH_CONSOLE_N"] ?? "") ?? 1000
        try await TestCloud.with(hosts: 1, ["serial_console.enabled": "true"]) { cloud in
            let id = try #require(try await cloud.boot("bench").first)
            try await cloud.waitFor(id, status: "ACTIVE")
            let port = try #require(await cloud.aio.consoleProxyPort(.novnc))
            let url = try ConsoleProxyTests.webSocketURL(try await ConsoleProxyTests.consoleURL(cloud, id), port: port)
            let rss0 = Self.rssKB()
            let gate = Gate()
            let ready = Counter()
            let sessions = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<n {
                        group.addTask {
                            _ = try await WSConsoleClient.session(url) { r, w in
                                _ = try await ConsoleProxyTests.rfb(&r, w)
                                ready.n.wrappingAdd(1, ordering: .relaxed)
                                await gate.wait()  // idle: nothing is sent either way
                                return true
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            try await waitUntil("\(n) sessions reached ServerInit", within: 300) { ready.n.load(ordering: .relaxed) == n }
            let rss1 = Self.rssKB()
            let cpu0 = Self.cpuSeconds(), t0 = ContinuousClock.now
            try await Task.sleep(for: .seconds(10))
            let cpu1 = Self.cpuSeconds(), elapsed = ContinuousClock.now - t0
            let secs = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print("BENCH idle sessions=\(n) rss_before_kb=\(rss0) rss_idle_kb=\(rss1) delta_kb=\(rss1 - rss0)"
                  + " per_session_kb=\((rss1 - rss0) / max(n, 1)) idle_cpu_percent=\(String(format: "%.2f", 100 * (cpu1 - cpu0) / secs))")
            await gate.release()
            _ = try await sessions.value

            // One connection's throughput: the serial proxy relaying a test listener that streams 64 KiB writes.
            let chunk = ByteBuffer(repeating: 0x41, count: 64 * 1024)
            let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .childChannelInitializer { ch in
                    ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(Streamer(chunk: chunk)) }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            defer { listener.close(promise: nil) }
            let uuid = try #require(UUID(uuidString: id))
            let streamPort = try #require(listener.localAddress?.port)
            let (token, _) = try #require(try await cloud.store.authorizeConsole(ConsoleAuthToken(
                instanceUUID: uuid, consoleType: "serial", host: "127.0.0.1", port: streamPort,
                accessURLBase: "ws://127.0.0.1:6083/"), ttl: 600))
            let sport = try #require(await cloud.aio.consoleProxyPort(.serial))
            let total = 512 * 1024 * 1024
            let start = ContinuousClock.now
            let got = try await WSConsoleClient.session("ws://127.0.0.1:\(sport)/?token=\(token)") { r, _ in
                var bytes = 0
                while bytes < total {
                    guard let f = try await r.frames.next() else { break }
                    bytes += f.data.readableBytes
                }
                return bytes
            }
            let d = ContinuousClock.now - start
            let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            print("BENCH relay bytes=\(got ?? 0) seconds=\(String(format: "%.2f", s)) MB_per_s=\(String(format: "%.1f", Double(got ?? 0) / s / 1e6))")
        }
    }
}

/// Writes `chunk` whenever the channel is writable, forever (a guest flooding its serial port).
final class Streamer: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let chunk: ByteBuffer
    init(chunk: ByteBuffer) { self.chunk = chunk }

    func channelActive(context: ChannelHandlerContext) { pump(context) }
    func channelWritabilityChanged(context: ChannelHandlerContext) { pump(context) }

    private func pump(_ context: ChannelHandlerContext) {
        while context.channel.isActive, context.channel.isWritable {
            context.write(wrapOutboundOut(chunk), promise: nil)
            context.flush()
        }
    }
}
