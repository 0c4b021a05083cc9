import Foundation
import NimbusKernel
import NimbusStore
import ServiceLifecycle

/// Shuts the transport down when the daemon stops (SIGTERM, or the group is cancelled): ZeroMQ's poller thread
/// ends and its sockets close. Put it first in a service group: the group shuts services down in reverse
/// order, so RPC servers finish their in-flight calls and a compute reports itself stopped before this runs.
struct TransportShutdown: Service {
    let transport: any Transport

    func run() async throws {
        try? await gracefulShutdown()
        await transport.shutdown()
    }
}

/// The store's background WAL checkpoints, run as a service of the daemon's group (they stop with it, rather
/// than outliving it in a detached task). Put it first too: it is the last to stop.
struct StoreCheckpoints: Service {
    let store: NimbusStore

    func run() async throws {
        await cancelWhenGracefulShutdown { await store.runCheckpoints() }
    }
}
