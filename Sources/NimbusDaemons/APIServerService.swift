import Foundation
import Hummingbird
import Logging
import NIOCore
import NimbusAPI
import NimbusKernel
import ServiceLifecycle

/// The HTTP API as a lifecycle service. Port 0 picks a free port; the bound port is logged and reported.
public struct APIServerService: Service {
    let app: Application<ComputeResponder>

    public init(api: ComputeAPI, host: String, port: Int, logger: Logger,
                onBound: @escaping @Sendable (Int) async -> Void = { _ in }) {
        let router = api.router()
        router.get("/metrics") { _, _ in PrometheusMetrics.response() }
        app = Application(
            responder: ComputeResponder(router: router), configuration: .init(address: .hostname(host, port: port), serverName: "nimbus-api"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                logger.info("compute API listening on http://\(host):\(bound)/v2.1")
                await onBound(bound)
            }, logger: logger)
    }

    public func run() async throws { try await app.run() }
}
