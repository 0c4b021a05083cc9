import ArgumentParser
import ComputeRPC
import ConductorRPC
import Foundation
import Logging
import NimbusAPI
import NimbusCompute
import NimbusConductor
import NimbusKernel
import NimbusRPC
import NimbusScheduler
import SchedulerRPC
import ServiceLifecycle
import UnixSignals

/// Runs services under one ServiceGroup that shuts down gracefully on SIGTERM/SIGINT.
func runServices(_ services: [any Service], logger: Logger) async throws {
    let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) },
                                                  gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await group.run()
}

/// `nimbus scheduler`: serves `select_destinations` on topic `scheduler`. Several may share one store.
struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scheduler", abstract: "Run a scheduler worker.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let rt = try common.runtime(label: "nimbus.scheduler")
        let store = try rt.openStore(migrate: false)
        let transport = try rt.makeTransport()
        let manager = try SchedulerManager(store: store, registry: rt.registry, config: rt.config, logger: rt.logger)
        try await runServices([
            TransportShutdown(transport: transport), StoreCheckpoints(store: store),
            RPCServer(transport: transport, target: TransportTarget(topic: SchedulerAPI.topic, server: rt.host),
                      endpoints: [manager.endpoint()], logger: rt.logger),
            StoreHeartbeat(store: store, host: rt.host, binary: "nova-scheduler", topic: SchedulerAPI.topic,
                           interval: try ServiceTiming(config: rt.config).reportInterval, logger: rt.logger),
        ] + MetricsServerService.fromConfig(rt), logger: rt.logger)
    }
}

/// `nimbus conductor`: orchestration and the database proxy for computes, on topic `conductor`.
struct ConductorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "conductor", abstract: "Run a conductor worker.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let rt = try common.runtime(label: "nimbus.conductor")
        let store = try rt.openStore(migrate: false)
        let transport = try rt.makeTransport()
        var manager = try ConductorManager(store: store, transport: transport, config: rt.config, logger: rt.logger)
        let directory = ServiceDirectory.install(on: transport, store: store, logger: rt.logger)
        manager.onServiceRegistered = { directory?.update($0) }
        manager.imageDataDirectory = try IdentityImageServices.imageDataDirectory(rt)
        try await manager.registerIncarnation(host: rt.host)
        try await runServices([TransportShutdown(transport: transport), StoreCheckpoints(store: store)]
            + (directory.map { [DirectoryRefresher(directory: $0, logger: rt.logger)] } ?? []) + [
            RPCServer(transport: transport, target: TransportTarget(topic: ConductorAPI.topic, server: rt.host),
                      endpoints: manager.endpoints(), logger: rt.logger),
            StoreHeartbeat(store: store, host: rt.host, binary: "nova-conductor", topic: ConductorAPI.topic,
                           interval: try ServiceTiming(config: rt.config).reportInterval, logger: rt.logger),
            OrphanedBuildSweeper(conductor: manager, timing: try ServiceTiming(config: rt.config), host: rt.host),
        ] + MetricsServerService.fromConfig(rt), logger: rt.logger)
    }
}

/// `nimbus api`: the Compute API on `osapi_compute_listen:osapi_compute_listen_port`.
struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "api", abstract: "Run the OpenStack API.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let rt = try common.runtime(label: "nimbus.api")
        let store = try rt.openStore(migrate: false)
        let transport = try rt.makeTransport()
        // The controller's HTTP face: Compute, and the built-in Identity and Image (each off by config, or
        // replaced by an external Keystone / Glance), as the all-in-one serves them.
        let identityImage = try IdentityImageServices(runtime: rt, store: store)
        let keystone = APIOptions.authStrategy.read(rt.config) == "keystone"
        var api = try ComputeAPI(store: store, transport: transport, config: rt.config, logger: rt.logger,
                                 validator: keystone ? identityImage.validator : nil)
        api.imageEndpoint = { [identityImage] in identityImage.imageURL() }
        let directory = ServiceDirectory.install(on: transport, store: store, logger: rt.logger)
        try await identityImage.bootstrapIfNeeded()
        try await runServices([TransportShutdown(transport: transport), StoreCheckpoints(store: store)]
            + (directory.map { [DirectoryRefresher(directory: $0, logger: rt.logger)] } ?? [])
            + (try identityImage.services()) + [
            APIServerService(api: api, host: APIOptions.listen.read(rt.config),
                             port: try APIOptions.listenPort.read(rt.config),
                             logger: rt.logger),
        ], logger: rt.logger)
    }
}

/// `nimbus compute`: one compute host (`[DEFAULT] host`) driving `compute_driver`. Never opens the database.
struct ComputeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compute", abstract: "Run a compute service.")
    @OptionGroup var common: CommonOptions
    @Option(help: ArgumentHelp("Run N simulated compute hosts (<host>-1 … <host>-N) in this process (fake driver only).",
                               valueName: "N"))
    var simulate: Int?
    @Flag(help: "With --simulate and CURVE: create the simulated hosts' keypairs, print their public keys and exit.")
    var printPublicKeys = false

    func validate() throws {
        if let n = simulate, !(1...ComputeSimulator.maxHosts).contains(n) {
            throw ValidationError("--simulate must be between 1 and \(ComputeSimulator.maxHosts)")
        }
        if printPublicKeys && simulate == nil { throw ValidationError("--print-public-keys needs --simulate") }
    }

    func run() async throws {
        let rt = try common.runtime(label: "nimbus.compute")
        if let count = simulate { return try await runSimulated(rt, count: count) }
        let transport = try rt.makeTransport()
        // With an addressed transport (ZeroMQ) the compute binds first and reports where it listens.
        let addressed = transport as? any AddressedTransport
        let endpoint = try await addressed?.bind()
        let service = try ComputeService(host: rt.host, registry: rt.registry, transport: transport,
                                         config: rt.config, logger: rt.logger, rpcEndpoint: endpoint,
                                         rpcPublicKey: addressed?.publicKey)
        // Its peers' endpoints come from the conductor, so the compute-to-compute steps of a move reach them.
        let directory = ServiceDirectory.install(on: transport, ServiceDirectory(fetch: { try await service.computePeers() }))
        try await runServices([TransportShutdown(transport: transport), service] + MetricsServerService.fromConfig(rt)
                              + (directory.map { [DirectoryRefresher(directory: $0, logger: rt.logger)] } ?? []),
                              logger: rt.logger)
    }
}

extension ComputeCommand {
    func runSimulated(_ rt: NimbusRuntime, count: Int) async throws {
        guard CoreOptions.computeDriver.read(rt.config).hasPrefix("fake.") else {
            throw ValidationError("--simulate runs the fake driver only: set [DEFAULT] compute_driver = fake.FakeDriver")
        }
        let interval = try ServiceTiming(config: rt.config).reportInterval
        let simulator = ComputeSimulator(runtime: rt, count: count,
                                         stagger: .milliseconds(max(1, Int(interval * 1000) / count)))
        if printPublicKeys {
            guard simulator.usesCurve else { throw ValidationError("CURVE is not enabled ([zmq] curve_enabled)") }
            return print(try simulator.publicKeys())
        }
        try await runServices([simulator] + MetricsServerService.fromConfig(rt), logger: rt.logger)
    }
}
