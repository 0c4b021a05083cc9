import ComputeRPC
import Foundation
import Logging
import NimbusKernel
import NimbusStore
import ServiceLifecycle
import Synchronization

/// Controller-side map `compute.<host>` → the RPC endpoint and key that compute reported at registration,
/// read from the services table and refreshed periodically (and at once in the conductor, which sees each
/// registration). Installed as the resolver of an `AddressedTransport`.
final class ServiceDirectory: Sendable {
    private let peers = Mutex([String: PeerAddress]())
    /// The services table, or for a compute (no database) the conductor's `compute_services`.
    let fetch: @Sendable () async throws -> [ServiceRecord]

    init(store: NimbusStore) { fetch = { try await store.services(binary: "nova-compute") } }
    init(fetch: @escaping @Sendable () async throws -> [ServiceRecord]) { self.fetch = fetch }

    func resolve(_ target: TransportTarget) -> [PeerAddress] {
        guard target.topic == ComputeManagerAPI.topic else { return [] }
        return peers.withLock { p in
            if let server = target.server { return p[server].map { [$0] } ?? [] }
            return Array(p.values)
        }
    }

    func update(_ s: ServiceRecord) {
        guard s.binary == "nova-compute", let endpoint = s.rpcEndpoint else { return }
        peers.withLock { $0[s.host] = PeerAddress(endpoint: endpoint, publicKey: s.rpcPublicKey) }
    }

    func refresh() async throws {
        for s in try await fetch() { update(s) }
    }

    /// Installs the directory on the transport when it needs addresses; returns the refresher service.
    static func install(on transport: any Transport, store: NimbusStore, logger: Logger) -> ServiceDirectory? {
        install(on: transport, ServiceDirectory(store: store))
    }

    static func install(on transport: any Transport, _ directory: ServiceDirectory) -> ServiceDirectory? {
        guard let addressed = transport as? any AddressedTransport else { return nil }
        addressed.setPeerResolver { directory.resolve($0) }
        return directory
    }
}

/// Refreshes a ServiceDirectory every few seconds.
struct DirectoryRefresher: Service {
    let directory: ServiceDirectory
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await directory.refresh() } catch { logger.warning("service directory refresh failed: \(error)") }
                try await Task.sleep(for: .seconds(2))
            }
        }
    }
}
