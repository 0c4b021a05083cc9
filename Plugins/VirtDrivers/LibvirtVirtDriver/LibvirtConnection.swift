import CLibvirt
import Dispatch
import Foundation
import Logging
import NimbusKernel

/// One libvirt connection. Every libvirt call runs on this object's serial dispatch queue, never on Swift's
/// cooperative pool (libvirt calls block on the daemon), and reads its error on the same thread.
/// A lost connection is reopened with backoff on the next call.
final class LibvirtConnection: @unchecked Sendable {
    // @unchecked: `conn` is only read or written inside `queue`, a serial queue; nothing else touches it.
    private var conn: OpaquePointer?
    private let queue: DispatchQueue
    let uri: String
    let logger: Logger

    init(uri: String, logger: Logger) {
        self.uri = uri
        self.logger = logger
        queue = DispatchQueue(label: "nimbus.libvirt.\(uri)")
    }

    deinit {
        if let conn { virConnectClose(conn) }
    }

    /// Runs `body` with an open connection on the libvirt queue.
    func perform<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            queue.async {
                c.resume(with: Result { try body(try self.connection()) })
            }
        }
    }

    /// The open connection, reopening it if it was lost (called on `queue` only).
    private func connection() throws -> OpaquePointer {
        if let conn, virConnectIsAlive(conn) == 1 { return conn }
        if let old = conn {
            logger.warning("libvirt connection to \(uri) lost; reconnecting")
            virConnectClose(old)
            conn = nil
        }
        _ = LibvirtEventLoop.started
        var delay: useconds_t = 100_000
        for attempt in 1...5 {
            if let c = virConnectOpen(uri) {
                conn = c
                return c
            }
            let error = LibvirtError.last("virConnectOpen(\(uri))")
            if attempt == 5 { throw error.driverError() }
            logger.warning("cannot connect to \(uri) (\(error)); retrying")
            usleep(delay)
            delay = min(delay * 2, 2_000_000)
        }
        throw VirtDriverError.hypervisor(code: -1, message: "cannot connect to \(uri)")
    }
}
