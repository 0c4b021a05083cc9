import Foundation
import InProcessTransport
import Logging
import NimbusKernel
import NimbusKernelTestKit
import Testing

@Suite("Transport conformance")
struct ConformanceTests {
    @Test("ZeroMQ over tcp://127.0.0.1", arguments: TransportConformance.all)
    func zeroMQ(_ check: TransportConformance.Check) async throws {
        try await ZMQFixture.with { f in
            try await check.run { try await f.conformancePair(curve: false) }
        }
    }

    @Test("ZeroMQ with CURVE", arguments: TransportConformance.all)
    func zeroMQCurve(_ check: TransportConformance.Check) async throws {
        try await ZMQFixture.with { f in
            try await check.run { try await f.conformancePair(curve: true) }
        }
    }

    @Test("in-process transport", arguments: TransportConformance.all)
    func inProcess(_ check: TransportConformance.Check) async throws {
        try await check.run {
            let config = try NimbusConfig(overrides: ["DEFAULT.transport_url": "inprocess://conf-\(UUID().uuidString)"])
            let t = try InProcessTransport(context: PluginContext(config: config, logger: Logger(label: "test")))
            return .init(server: t, client: t)
        }
    }
}
