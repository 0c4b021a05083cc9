import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import Synchronization

/// A websocket client session against a console proxy: `script` runs with a reader of the bytes the proxy
/// relays and a writer to it. Returns what the script returned, or nil when the proxy refused the upgrade.
enum WSConsoleClient {
    final class Result<T: Sendable>: Sendable {
        let value = Mutex<T?>(nil)
    }

    struct Reader {
        var frames: WebSocketInboundStream.AsyncIterator
        var buffer = ByteBuffer()

        mutating func read(_ count: Int) async throws -> [UInt8] {
            while buffer.readableBytes < count {
                guard let frame = try await frames.next() else { throw TestError("closed after \(buffer.readableBytes) bytes") }
                var data = frame.data
                buffer.writeBuffer(&data)
            }
            return buffer.readBytes(length: count) ?? []
        }

        /// Reads until `marker` has been seen (bounded), returning everything read.
        mutating func read(until marker: String, max: Int = 64 * 1024) async throws -> String {
            var text = ""
            while !text.contains(marker) {
                guard text.utf8.count < max, let frame = try await frames.next() else {
                    throw TestError("no \(marker.debugDescription) in \(text.debugDescription)")
                }
                text += String(buffer: frame.data)
            }
            return text
        }

        /// Reads until the proxy closes the websocket (bounded in bytes), returning everything read.
        mutating func untilClosed(max: Int = 1 << 20) async throws -> String {
            var text = ""
            while let frame = try await frames.next() {
                text += String(buffer: frame.data)
                guard text.utf8.count < max else { throw TestError("still open after \(max) bytes") }
            }
            return text
        }
    }

    struct TestError: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    /// The client library always sends `Origin: ws://<host>` (a browser sends the page's `http://…`), so the
    /// tests say the page was http the way a TLS-terminating front end would: `X-Forwarded-Proto`.
    static var browserLike: HTTPFields {
        var h: HTTPFields = [.secWebSocketProtocol: "binary"]
        if let name = HTTPField.Name("X-Forwarded-Proto") { h[name] = "http" }
        return h
    }

    static func session<T: Sendable>(_ url: String, headers: HTTPFields = browserLike,
                                     _ script: @escaping @Sendable (inout Reader, WebSocketOutboundWriter) async throws -> T)
        async throws -> T?
    {
        let result = Result<T>()
        let failure = Result<String>()
        var logger = Logger(label: "ws-test")
        logger.logLevel = .warning
        do {
            try await WebSocketClient.connect(url: url, configuration: .init(maxFrameSize: 1 << 20, additionalHeaders: headers), logger: logger) {
                inbound, outbound, _ in
                var reader = Reader(frames: inbound.makeAsyncIterator())
                do {
                    let v = try await script(&reader, outbound)
                    result.value.withLock { $0 = v }
                } catch {
                    failure.value.withLock { $0 = "\(error)" }
                }
            }
        } catch let e as WebSocketClientError where e == .webSocketUpgradeFailed {
            return nil
        }
        // The client library swallows a handler's error: surface it, so a failed script is not taken for a refusal.
        if let why = failure.value.withLock({ $0 }) { throw TestError("websocket session failed: \(why)") }
        return result.value.withLock { $0 }
    }

    static func bytes(_ b: [UInt8]) -> WebSocketOutboundWriter.OutboundFrame { .binary(ByteBuffer(bytes: b)) }
}
