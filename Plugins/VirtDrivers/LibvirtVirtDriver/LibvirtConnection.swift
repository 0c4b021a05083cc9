import CLibvirt
import Dispatch
import Foundation
import Logging
import NimbusKernel

/// One libvirt connection. Every libvirt call runs on this object's serial dispatch queue, never on Swift's
/// cooperative pool (libvirt calls block on the daemon), and reads its error on the same thread.
/// A lost connection is reopened with backoff on the next call.
final class LibvirtConnection: @unchecked Sendable {
    // @unchecked: `conn` and `eventCallback` are only read or written inside `queue`, a serial queue (and in
    // deinit, when nothing else can reach this object).
    private var conn: OpaquePointer?
    private var eventCallback: Int32 = -1
    private let queue: DispatchQueue
    let uri: String
    let logger: Logger
    let events: LifecycleEventHub?

    init(uri: String, logger: Logger, events: LifecycleEventHub? = nil) {
        self.uri = uri
        self.logger = logger
        self.events = events
        queue = DispatchQueue(label: "nimbus.libvirt.\(uri)")
    }

    deinit {
        if let conn { close(conn) }
    }

    private func close(_ c: OpaquePointer) {
        if eventCallback >= 0 { _ = virConnectDomainEventDeregisterAny(c, eventCallback) }
        eventCallback = -1
        virConnectClose(c)
    }

    /// Runs `body` with an open connection on the libvirt queue.
    func perform<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            queue.async {
                c.resume(with: Result { try body(try self.connection()) })
            }
        }
    }

    /// Opens the connection in the background (for event delivery before the first call); errors surface on
    /// the next `perform`.
    func open() {
        queue.async { _ = try? self.connection() }
    }

    /// The open connection, reopening it if it was lost (called on `queue` only).
    private func connection() throws -> OpaquePointer {
        if let conn, virConnectIsAlive(conn) == 1 { return conn }
        if let old = conn {
            logger.warning("libvirt connection to \(uri) lost; reconnecting")
            close(old)
            conn = nil
        }
        _ = LibvirtEventLoop.started
        var delay: useconds_t = 100_000
        for attempt in 1...5 {
            if let c = virConnectOpen(uri) {
                conn = c
                if let events {
                    eventCallback = events.register(c)
                    if eventCallback < 0 { logger.warning("no lifecycle events from \(uri); the power-state sync covers") }
                }
                return c
            }
            let error = LibvirtError.last("virConnectOpen(\(uri))")
            // A wrong URI or configuration does not heal by waiting; a daemon that is (re)starting does.
            if attempt == 5 || !error.isConnectionLost { throw error.driverError() }
            logger.warning("cannot connect to \(uri) (\(error)); retrying")
            usleep(delay)
            delay = min(delay * 2, 2_000_000)
        }
        throw VirtDriverError.hypervisor(code: -1, message: "cannot connect to \(uri)")
    }
}
