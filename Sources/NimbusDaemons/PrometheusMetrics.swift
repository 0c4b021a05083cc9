import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import NimbusKernel
import Prometheus
import ServiceLifecycle

/// swift-metrics backed by a Prometheus registry: bootstrapped once by the executable (`Nimbus.main`),
/// exposed as `GET /metrics` on the API port and, for other daemons, on `[metrics] listen:port`.
public enum PrometheusMetrics {
    public static let registry = PrometheusCollectorRegistry()

    static func bootstrap() {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }

    static func response() -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                 body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }
}

/// A tiny HTTP server with only `/metrics`, for daemons that have no API port.
struct MetricsServerService: Service {
    let app: Application<RouterResponder<BasicRequestContext>>

    init(host: String, port: Int, logger: Logger) {
        let router = Router()
        router.get("/metrics") { _, _ in PrometheusMetrics.response() }
        app = Application(router: router, configuration: .init(address: .hostname(host, port: port),
                                                               serverName: "nimbus-metrics"), logger: logger)
    }

    /// The service if `[metrics] port` is set.
    static func fromConfig(_ rt: NimbusRuntime) throws -> [any Service] {
        guard let port = try DaemonOptions.metricsPort.read(rt.config) else { return [] }
        return [MetricsServerService(host: DaemonOptions.metricsListen.read(rt.config), port: port,
                                     logger: rt.logger)]
    }

    func run() async throws { try await app.run() }
}
