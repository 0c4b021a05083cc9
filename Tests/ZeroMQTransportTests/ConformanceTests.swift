import Foundation
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
    // The in-process transport runs the same suite in NimbusRPCTests.
}
