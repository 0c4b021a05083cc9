import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle

extension NetworkAPI {
    /// The Networking API as a lifecycle service on `host:port` (0 = a free port, reported through `onBound`).
    public func service(host: String, port: Int, onBound: @escaping @Sendable (Int) async -> Void = { _ in }) -> some Service {
        let logger = logger
        return Application(
            router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "nimbus-network"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                logger.info("network API serving at http://\(host):\(bound)")
                await onBound(bound)
            }, logger: logger)
    }
}
