import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

extension IdentityAPI {
    /// The Identity API as a lifecycle service on `host:port` (0 = a free port, reported through `onBound`).
    public func service(host: String, port: Int, onBound: @escaping @Sendable (Int) async -> Void = { _ in }) -> some Service {
        let logger = identity.logger
        return Application(
            router: router(), configuration: .init(address: .hostname(host, port: port), serverName: "nimbus-identity"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                logger.info("identity API serving at http://\(host):\(bound)/v3")
                await onBound(bound)
            }, logger: logger)
    }
}
