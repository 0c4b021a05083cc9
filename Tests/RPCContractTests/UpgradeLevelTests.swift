import ComputeRPC
import ConductorRPC
import Foundation
import InProcessTransport
import Logging
import NimbusKernel
import NimbusRPC
import SchedulerRPC
import Testing

/// `[upgrade_levels]` pins and version errors across a real RPC server on the in-process transport.
@Suite struct UpgradeLevelTests {
    static func transport(_ settings: [String: String] = [:]) throws -> (any Transport, NimbusConfig) {
        var all = ["DEFAULT.transport_url": "inprocess://contracts-\(UUID().uuidString)"]
        all.merge(settings) { _, new in new }
        let config = try NimbusConfig(overrides: all)
        return (try InProcessTransport(context: PluginContext(config: config, logger: Logger(label: "test"))), config)
    }

    /// Serves `endpoint` on `topic.s1` while `body` runs.
    static func serving(_ t: any Transport, _ topic: String, _ endpoint: RPCEndpoint,
                        _ body: () async throws -> Void) async throws {
        let (ready, cont) = AsyncStream.makeStream(of: Void.self)
        let server = RPCServer(transport: t, target: TransportTarget(topic: topic, server: "s1"), endpoints: [endpoint],
                               logger: Logger(label: "test"), ready: cont)
        let task = Task { try await server.run() }
        defer { task.cancel() }
        for await _ in ready { break }
        try await body()
    }

    @Test func aMethodNewerThanThePinFailsBeforeSending() async throws {
        // Nothing listens: had the cast been sent, the transport would answer "no listener".
        let (t, config) = try Self.transport(["upgrade_levels.compute_task": "1.15"])
        let client = try ComputeTaskRPCClient(transport: t, config: config, timeout: .seconds(5))
        #expect(client.pin == RPCVersion(1, 15))
        #expect(!client.canSend(ComputeTaskAPI.scheduleAndBuildInstances))
        do {
            try await client.cast(ComputeTaskAPI.scheduleAndBuildInstances,
                                  ScheduleAndBuildArgs(spec: Samples.spec, instanceUUIDs: [Samples.uuid(1)]))
            Issue.record("a method newer than the pin was sent")
        } catch let e as RPCError {
            #expect(e == .versionCapped(method: ComputeTaskAPI.scheduleAndBuildInstances.name, api: "compute_task", requires: "1.16",
                                        pinned: "1.15"))
            #expect(e.description.contains("[upgrade_levels] compute_task pins 1.15"))
        }
        // A pin of another major refuses too (oslo.messaging's compatibility rule).
        let other = ComputeRPCClient(transport: t, pin: RPCVersion(5, 11))
        #expect(!other.canSend(ComputeManagerAPI.buildAndRunInstance))
    }

    @Test func aPinnedCallerStillReachesACurrentServer() async throws {
        let (t, config) = try Self.transport(["upgrade_levels.compute": "6.0"])
        var endpoint = RPCEndpoint(ComputeManagerAPI.self)
        endpoint.on(ComputeManagerAPI.getConsoleOutput) { op in "console of \(op.instance.name)" }
        try await Self.serving(t, ComputeManagerAPI.topic, endpoint) {
            let client = try ComputeRPCClient(transport: t, config: config, timeout: .seconds(5))
            #expect(client.pin == RPCVersion(6, 0))
            let text = try await client.prepare(server: "s1").call(ComputeManagerAPI.getConsoleOutput, Samples.operation)
            #expect(text == "console of vm-1")
        }
    }

    @Test func anOlderServerAnswersATypedUnsupportedVersion() async throws {
        let (t, _) = try Self.transport()
        // A scheduler from before 4.5: it has select_destinations, but serves only up to 4.4.
        var old = RPCEndpoint(namespace: nil, version: "4.4")
        old.on(SchedulerAPI.selectDestinations) { _ in [] }
        try await Self.serving(t, SchedulerAPI.topic, old) {
            let client = SchedulerRPCClient(transport: t, timeout: .seconds(5))
            let args = SelectDestinationsArgs(spec: Samples.spec, instanceUUIDs: [Samples.uuid(1)])
            await #expect(throws: RPCError.unsupportedVersion(method: SchedulerAPI.selectDestinations.name, requested: "4.5",
                                                              served: "4.4")) {
                _ = try await client.call(SchedulerAPI.selectDestinations, args)
            }
        }
        // A compute from before a method existed: the method is unknown there, and still the answer is the
        // version, not "no such method" (nor a decode failure).
        var older = RPCEndpoint(namespace: nil, version: "5.9")
        older.on(ComputeManagerAPI.terminateInstance) { _ in Empty() }
        try await Self.serving(t, ComputeManagerAPI.topic, older) {
            let client = ComputeRPCClient(transport: t, timeout: .seconds(5)).prepare(server: "s1")
            await #expect(throws: RPCError.unsupportedVersion(method: ComputeManagerAPI.getConsoleOutput.name, requested: "6.0",
                                                              served: "5.9")) {
                _ = try await client.call(ComputeManagerAPI.getConsoleOutput, Samples.operation)
            }
        }
    }

    @Test func aCastDescriptorCannotBeCalled() async throws {
        let (t, _) = try Self.transport()
        let client = ComputeRPCClient(transport: t, timeout: .seconds(5))
        await #expect(throws: RPCError.wrongKind(method: ComputeManagerAPI.terminateInstance.name, declared: "cast")) {
            _ = try await client.call(ComputeManagerAPI.terminateInstance, Samples.operation)
        }
    }

    @Test func upgradeLevelOptionsAreDeclaredAndChecked() throws {
        let declared = Set(CoreOptions.all.filter { $0.section == UpgradeLevels.section }.map(\.name))
        #expect(declared == [SchedulerAPI.name, ConductorAPI.name, ComputeTaskAPI.name, ComputeManagerAPI.name])
        let good = try NimbusConfig(overrides: ["upgrade_levels.compute": "6.0", "upgrade_levels.scheduler": "auto"])
        #expect(try good.validate(against: CoreOptions.all).isEmpty)  // known options: no warning
        #expect(try UpgradeLevels.pin(for: SchedulerAPI.self, in: good) == nil)  // auto: the current version
        let bad = try NimbusConfig(overrides: ["upgrade_levels.compute": "six"])
        #expect(throws: ConfigError.self) { _ = try bad.validate(against: CoreOptions.all) }
        do {
            _ = try UpgradeLevels.pin(for: ComputeManagerAPI.self, in: bad)
            Issue.record("a bad pin was accepted")
        } catch let e as ConfigError {
            #expect(e.description.contains("[upgrade_levels] compute"))
        }
    }
}
