import ComputeRPC
import ConductorRPC
import Foundation
import InProcessTransport
import Logging
import NimbusConductor
import NimbusKernel
import NimbusKernelTestKit
import NimbusRPC
import NimbusStore
import SchedulerRPC
import Synchronization

/// A real `ConductorManager` over a temporary SQLite store, serving its topic on its own in-process bus, with a
/// `FakeScheduler` on `scheduler` and a `FakeComputes` server on `compute.<host>` for every listening host.
struct ConductorHarness: StoppableHarness {
    let store: NimbusStore
    let nodes: [String: ComputeNodeRecord]
    let scheduler: FakeScheduler
    let computes: FakeComputes
    /// How the API reaches the conductor, and how computes do.
    let taskAPI: ComputeTaskRPCClient
    let db: ConductorRPCClient
    /// What `onServiceRegistered` was told.
    let registered: Registrations
    private let tasks: [Task<Void, any Error>]

    /// `hosts` get compute nodes in the store; only `listening` (default: all) have a compute serving.
    static func start(hosts: [String] = ["host1", "host2", "host3"], listening: [String]? = nil,
                      script: FakeScheduler.Script = .hosts([]), failing: Set<String> = [],
                      deleteWhileScheduling: Bool = false, _ settings: [String: String] = [:]) async throws
        -> ConductorHarness {
        let dir = NSTemporaryDirectory() + "nimbus-conductor-tests-\(UUID().uuidString.prefix(8))"
        let store = try NimbusStore(path: dir + "/nimbus.sqlite")
        try store.migrate()
        var nodes: [String: ComputeNodeRecord] = [:]
        for host in hosts {
            nodes[host] = try await store.upsertComputeNode(
                host: host, resources: HostResources(hypervisorHostname: host, vcpus: 8, memoryMB: 8192, localGB: 100),
                inventory: InventorySettings(reserved: .zero))
        }

        var all = ["DEFAULT.transport_url": "inprocess://conductor-tests-\(UUID().uuidString)",
                   "DEFAULT.rpc_response_timeout": "20"]
        all.merge(settings) { _, new in new }
        let config = try NimbusConfig(overrides: all)
        var logger = Logger(label: "conductor-tests")
        logger.logLevel = .critical  // failure paths log warnings by design
        let transport = try InProcessTransport(context: PluginContext(config: config, logger: logger))

        let registered = Registrations()
        var conductor = try ConductorManager(store: store, transport: transport, config: config, logger: logger)
        conductor.onServiceRegistered = { s in registered.records.withLock { $0.append(s) } }
        let scheduler = FakeScheduler(store: store, nodes: nodes, script: script, deleteBeforeReply: deleteWhileScheduling)
        let computes = FakeComputes(failing: failing, transport: transport)

        var servers = [
            (TransportTarget(topic: ConductorAPI.topic, server: "conductor"), conductor.endpoints()),
            (TransportTarget(topic: SchedulerAPI.topic, server: "scheduler"), [scheduler.endpoint()]),
        ]
        for host in listening ?? hosts {
            servers.append((TransportTarget(topic: ComputeManagerAPI.topic, server: host), [computes.endpoint(host: host)]))
        }
        var tasks: [Task<Void, any Error>] = []
        for (target, endpoints) in servers {
            let (ready, readyContinuation) = AsyncStream.makeStream(of: Void.self)
            let server = RPCServer(transport: transport, target: target, endpoints: endpoints, logger: logger,
                                   ready: readyContinuation)
            tasks.append(Task { try await server.run() })
            for await _ in ready { break }
        }
        return ConductorHarness(store: store, nodes: nodes, scheduler: scheduler, computes: computes,
                                taskAPI: ComputeTaskRPCClient(transport: transport, timeout: .seconds(20)),
                                db: ConductorRPCClient(transport: transport, timeout: .seconds(20)),
                                registered: registered, tasks: tasks)
    }

    func stop() async {
        for t in tasks { t.cancel() }
        for t in tasks { _ = await t.result }
    }

    /// Instance rows as the API writes them (BUILD / scheduling), one per instance of `spec`.
    func createInstances(_ spec: RequestSpec) async throws -> [UUID] {
        let instances = (0..<spec.numInstances).map { k in
            InstanceRecord(name: "vm-\(k + 1)", projectID: spec.projectID, userID: spec.userID,
                           flavor: spec.flavor, imageRef: "image", launchIndex: k)
        }
        try await store.createInstances(instances, spec: spec, requestID: "req-conductor-tests")
        return instances.map(\.uuid)
    }

    /// Casts `schedule_and_build_instances` as the API does.
    func scheduleAndBuild(_ spec: RequestSpec, _ uuids: [UUID]) async throws {
        try await taskAPI.cast(ComputeTaskAPI.scheduleAndBuildInstances, ScheduleAndBuildArgs(spec: spec, instanceUUIDs: uuids))
    }

    /// The compute nodes `consumer` holds allocations on, by host name.
    func allocationHosts(_ consumer: UUID) async throws -> [String] {
        let byUUID = Dictionary(uniqueKeysWithValues: nodes.map { ($0.value.uuid, $0.key) })
        return try await store.allocations(consumer: consumer).map { byUUID[$0.node] ?? "?" }.sorted()
    }

    /// Waits for a condition the conductor reaches asynchronously (after a cast). The bound only keeps a broken
    /// conductor from hanging the run; nothing is asserted about how long it took.
    func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw Unreached(what: what)
    }

    final class Registrations: Sendable {
        let records = Mutex<[ServiceRecord]>([])
        var uuids: [UUID] { records.withLock { $0.map(\.uuid) } }
    }

    struct Unreached: Error, CustomStringConvertible {
        let what: String
        var description: String { "never happened: \(what)" }
    }
}
