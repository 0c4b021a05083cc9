import ComputeRPC
import ConductorRPC
import Foundation
import Logging
import NimbusAPI
import NimbusCompute
import NimbusConsole
import NimbusConductor
import NimbusImage
import NimbusKernel
import NimbusMetadata
import NimbusRPC
import NimbusScheduler
import NimbusStore
import SchedulerRPC
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Every role in one process: API, scheduler, conductor and N compute hosts (fake by default),
/// sharing one embedded SQLite store and the in-process transport unless `transport_url` says otherwise.
public final class AllInOne: Sendable {
    public let runtime: NimbusRuntime
    public let store: NimbusStore
    public let transport: any Transport
    public let computeHosts: [String]
    let api: ComputeAPI
    let scheduler: SchedulerManager
    let conductor: ConductorManager
    let directory: ServiceDirectory?
    /// Built-in Identity v3 and Image v2, and the token validator for the APIs (see IdentityImageServices).
    public let identityImage: IdentityImageServices
    public var tokenValidator: any TokenValidator { identityImage.validator }
    /// `nimbus novncproxy` / `serialproxy` in this process (see ConsoleProxyCommands).
    let consoleProxies: [ConsoleProxy]
    /// `nimbus metadata` in this process when `enabled_apis` lists it (see MetadataCommands).
    let metadata: MetadataServer?
    private let state = Mutex(State())

    struct State {
        var port: Int?
        var portWaiters: [CheckedContinuation<Int, Never>] = []
        var computes: [String: (Task<Void, any Error>, ServiceGroup)] = [:]
    }

    /// The compute API validates tokens with `tokenValidator`, or with the identity services' validator when
    /// `[api] auth_strategy = keystone`; with `noauth2` (and no validator given) every caller is admin.
    public init(runtime: NimbusRuntime, fakeHosts: Int, tokenValidator: (any TokenValidator)? = nil) throws {
        self.runtime = runtime
        store = try runtime.openStore(migrate: true)
        identityImage = try IdentityImageServices(runtime: runtime, store: store)
        metadata = try Self.metadataServer(runtime, store: store)
        transport = try runtime.makeTransport()
        consoleProxies = try Self.consoleProxies(runtime, store: store, transport: transport)
        let driver = CoreOptions.computeDriver.read(runtime.config)
        computeHosts = driver.hasPrefix("fake.") && fakeHosts > 0
            ? (1...fakeHosts).map { "fake-\($0)" } : [runtime.host]
        var api = try ComputeAPI(store: store, transport: transport, config: runtime.config, logger: runtime.logger,
                                 validator: tokenValidator
                                     ?? (APIOptions.authStrategy.read(runtime.config) == "keystone"
                                         ? identityImage.validator : nil))
        let neutron = identityImage.neutronClient()
        api.neutron = neutron
        let services = identityImage
        api.imageEndpoint = { services.imageURL() }
        self.api = api
        scheduler = try SchedulerManager(store: store, registry: runtime.registry, config: runtime.config,
                                         logger: runtime.logger)
        var conductor = try ConductorManager(store: store, transport: transport, config: runtime.config,
                                             logger: runtime.logger)
        let directory = ServiceDirectory.install(on: transport, store: store, logger: runtime.logger)
        conductor.onServiceRegistered = { directory?.update($0) }
        conductor.imageDataDirectory = identityImage.image?.config.dataDirectory
        conductor.neutron = neutron
        self.conductor = conductor
        self.directory = directory
    }

    /// Seeds devstack's default flavors when there are none, so a fresh all-in-one can boot at once.
    public func seedDefaultFlavors() async throws {
        guard try await store.flavors().isEmpty else { return }
        for (id, name, ram, vcpus, disk) in [("1", "m1.tiny", 512, 1, 1), ("2", "m1.small", 2048, 1, 20),
                                             ("3", "m1.medium", 4096, 2, 40), ("4", "m1.large", 8192, 4, 80),
                                             ("5", "m1.xlarge", 16384, 8, 160)] {
            _ = try await store.createFlavor(Flavor(id: id, name: name, memoryMB: ram, vcpus: vcpus, rootGB: disk))
        }
    }

    /// The API's bound port, once it listens.
    public func apiPort() async -> Int {
        await withCheckedContinuation { c in
            let port: Int? = state.withLock { s in
                if let p = s.port { return p }
                s.portWaiters.append(c)
                return nil
            }
            if let port { c.resume(returning: port) }
        }
    }

    private func bound(_ port: Int) {
        identityImage.ports.set("compute", port)
        let waiters = state.withLock { s in
            s.port = port
            defer { s.portWaiters = [] }
            return s.portWaiters
        }
        for w in waiters { w.resume(returning: port) }
    }

    /// Runs until cancelled or a shutdown signal (SIGTERM/SIGINT) arrives.
    public func run(handleSignals: Bool = true) async throws {
        let cfg = runtime.config
        let log = runtime.logger
        let schedulerServer = RPCServer(transport: transport, target: TransportTarget(topic: SchedulerAPI.topic,
                                                                                      server: runtime.host),
                                        endpoints: [scheduler.endpoint()], logger: log)
        let conductorServer = RPCServer(transport: transport, target: TransportTarget(topic: ConductorAPI.topic,
                                                                                      server: runtime.host),
                                        endpoints: conductor.endpoints(), logger: log)
        let apiServer = APIServerService(
            api: api, host: APIOptions.listen.read(cfg),
            port: try APIOptions.listenPort.read(cfg), logger: log,
            onBound: { [weak self] port in self?.bound(port) })
        let computes = ComputeFleet(owner: self)
        let interval = try ServiceTiming(config: cfg).reportInterval
        let heartbeats = [("nova-scheduler", SchedulerAPI.topic), ("nova-conductor", ConductorAPI.topic)].map {
            StoreHeartbeat(store: store, host: runtime.host, binary: $0.0, topic: $0.1, interval: interval, logger: log)
        }
        try await identityImage.bootstrapIfNeeded()
        try await conductor.registerIncarnation(host: runtime.host)
        // The transport and the store's checkpoints come first: the group stops services in reverse order.
        let group = ServiceGroup(configuration: .init(
            services: [ServiceGroupConfiguration.ServiceConfiguration(service: TransportShutdown(transport: transport)),
                       .init(service: StoreCheckpoints(store: store))]
                + (try identityImage.services().map { .init(service: $0) })
                + [.init(service: schedulerServer), .init(service: conductorServer), .init(service: computes),
                       .init(service: apiServer),
                       .init(service: OrphanedBuildSweeper(conductor: conductor, timing: try ServiceTiming(config: cfg),
                                                           host: runtime.host))]
                + heartbeats.map { .init(service: $0) }
                + consoleProxies.map { .init(service: $0) }
                + (metadata.map { [.init(service: $0)] } ?? [])
                + (directory.map { [.init(service: DirectoryRefresher(directory: $0, logger: log))] } ?? []),
            gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [], logger: log))
        try await group.run()
    }

    /// Starts one compute host as its own task, so it can be stopped alone (as if its process died) and started
    /// again (tests restart a compute this way).
    public func startCompute(_ host: String) async throws {
        let addressed = transport as? any AddressedTransport
        let endpoint = try await addressed?.bind()
        let service = try ComputeService(host: host, registry: runtime.registry, transport: transport,
                                         config: runtime.config, logger: runtime.logger, rpcEndpoint: endpoint,
                                         rpcPublicKey: addressed?.publicKey, neutron: identityImage.neutronClient())
        // Each compute runs in its own group, like its own process: tests may kill it (cancel) or stop it
        // gracefully (as SIGTERM would).
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: runtime.logger))
        let task = Task { try await group.run() }
        state.withLock { $0.computes[host] = (task, group) }
    }

    /// Stops a compute host. `gracefully: false` is a kill: its RPC server and heartbeats just end.
    /// `gracefully: true` is SIGTERM: in-flight work finishes and the service row says it stopped.
    public func stopCompute(_ host: String, gracefully: Bool = false) async {
        guard let (task, group) = state.withLock({ $0.computes.removeValue(forKey: host) }) else { return }
        if gracefully { await group.triggerGracefulShutdown() } else { task.cancel() }
        _ = await task.result
    }

    func stopAllComputes(gracefully: Bool) async {
        await withDiscardingTaskGroup { g in
            for host in state.withLock({ Array($0.computes.keys) }) {
                g.addTask { await self.stopCompute(host, gracefully: gracefully) }
            }
        }
    }
}

/// Runs the all-in-one's compute hosts under the service group.
struct ComputeFleet: Service {
    let owner: AllInOne

    func run() async throws {
        for host in owner.computeHosts { try await owner.startCompute(host) }
        try? await gracefulShutdown()
        await owner.stopAllComputes(gracefully: true)
    }
}
