import ComputeRPC
import ConductorRPC
import FakeVirtDriver
import Foundation
import InProcessTransport
import Logging
import NimbusCompute
import NimbusKernel
import NimbusKernelTestKit
import NimbusRPC
import Testing

/// One real `ComputeService` (fake virt driver) on its own in-process bus, with a `FakeConductor` serving the
/// conductor's topic: no scheduler, no store, no all-in-one. Tests cast and call the compute through the typed
/// client, exactly as the conductor and the API do.
struct ComputeHarness: StoppableHarness {
    let host: String
    let conductor: FakeConductor
    /// Aimed at `compute.<host>`.
    let compute: ComputeRPCClient
    private let tasks: [Task<Void, any Error>]

    static func start(host: String = "cmp1", _ settings: [String: String] = [:],
                      instances: [InstanceRecord] = []) async throws -> ComputeHarness {
        var all = [
            "DEFAULT.transport_url": "inprocess://compute-tests-\(UUID().uuidString)",
            "DEFAULT.state_path": NSTemporaryDirectory() + "nimbus-compute-tests-\(UUID().uuidString.prefix(8))",
            "DEFAULT.rpc_response_timeout": "20",
        ]
        all.merge(settings) { _, new in new }
        let config = try NimbusConfig(overrides: all)
        var logger = Logger(label: "compute-tests")
        logger.logLevel = .critical  // failure paths log warnings by design
        let transport = try InProcessTransport(context: PluginContext(config: config, logger: logger))

        let conductor = FakeConductor(host: host, instances: instances)
        let (ready, readyContinuation) = AsyncStream.makeStream(of: Void.self)
        let server = RPCServer(transport: transport, target: TransportTarget(topic: ConductorAPI.topic, server: "conductor"),
                               endpoints: conductor.endpoints(), logger: logger, ready: readyContinuation)
        let conductorTask = Task { try await server.run() }
        for await _ in ready { break }

        let registry = PluginRegistry().registering(virtDriver: FakeDriver.self)
        let service = try ComputeService(host: host, registry: registry, transport: transport, config: config,
                                         logger: logger)
        let computeTask = Task { try await service.run() }
        let harness = ComputeHarness(host: host, conductor: conductor,
                                     compute: ComputeRPCClient(transport: transport, timeout: .seconds(20))
                                         .prepare(server: host),
                                     tasks: [computeTask, conductorTask])
        // Start-up ends with recovery asking which unknown guests were deleted: the compute is serving by then.
        try await harness.eventually("the compute registered and recovered") {
            await !conductor.deletedQueries.isEmpty
        }
        return harness
    }

    func stop() async {
        for t in tasks { t.cancel() }
        for t in tasks { _ = await t.result }
    }

    /// A build request as the conductor casts it, for this host.
    func request(_ instance: InstanceRecord, alternates: [Selection] = [], retry: Bool = false) -> BuildInstanceRequest {
        BuildInstanceRequest(instance: instance, spec: Make.spec(instance.flavor).build(),
                             selection: Self.selection(host, instance.flavor), alternates: alternates, attempt: 1,
                             retryEnabled: retry)
    }

    static func selection(_ host: String, _ flavor: Flavor) -> Selection {
        Selection(host: host, nodename: host, nodeUUID: UUID(), resources: flavor.resources)
    }

    /// Casts the build and waits until the compute has finished with it (ACTIVE or handed back).
    func build(_ instance: InstanceRecord, alternates: [Selection] = [], retry: Bool = false) async throws {
        await conductor.put(instance)
        try await compute.cast(ComputeManagerAPI.buildAndRunInstance, request(instance, alternates: alternates, retry: retry))
        try await eventually("the build of \(instance.name) finished") {
            await !conductor.buildResults.isEmpty
        }
    }

    /// Sets the task state as the API would, then casts the action with the current record.
    func act(_ method: ComputeManagerAPI.Operation, _ uuid: UUID, taskState: TaskState) async throws {
        await conductor.setTaskState(uuid, taskState)
        let record = try #require(await conductor.instances[uuid])
        let before = await conductor.history(uuid).count
        try await compute.cast(method, InstanceOperation(instance: record))
        try await eventually("\(method.name) saved its outcome") { await conductor.history(uuid).count > before }
    }

    /// True when the driver has no guest for the instance: reading its console fails with the driver's
    /// "could not be found" (any other error is rethrown).
    func guestIsGone(_ instance: InstanceRecord) async throws -> Bool {
        do {
            _ = try await compute.call(ComputeManagerAPI.getConsoleOutput, InstanceOperation(instance: instance))
            return false
        } catch let e as RemoteError where e.message.contains("could not be found") {
            return true
        }
    }

    /// Waits for a condition the compute reaches asynchronously (after a cast). The bound only keeps a broken
    /// compute from hanging the run; nothing is asserted about how long it took.
    func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw Unreached(what: what)
    }

    struct Unreached: Error, CustomStringConvertible {
        let what: String
        var description: String { "never happened: \(what)" }
    }
}
