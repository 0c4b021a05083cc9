import ComputeRPC
import ConductorRPC
import Foundation
import Logging
import NeutronClient
import Synchronization
import NimbusKernel
import NimbusRPC
import ServiceLifecycle

/// One `nova-compute`: initialises its driver, registers through the conductor, serves `compute.<host>`,
/// heartbeats every `report_interval` and refreshes its node's resources every `update_resources_interval`.
public final class ComputeService: Service, Sendable {
    public let host: String
    public let manager: ComputeManager
    let driver: any VirtDriver
    let conductor: ConductorClient
    let transport: any Transport
    let timing: ServiceTiming
    let resourceInterval: Double
    let powerSyncInterval: Double
    let agentPollingInterval: Double
    let inventory: InventorySettings
    let logger: Logger
    /// Set by the daemon when the transport needs peers to learn this compute's address (ZeroMQ).
    let rpcEndpoint: String?
    let rpcPublicKey: String?

    public init(host: String, registry: PluginRegistry, transport: any Transport, config: NimbusConfig,
                logger: Logger, rpcEndpoint: String? = nil, rpcPublicKey: String? = nil,
                neutron: NeutronClient? = nil) throws {
        var logger = logger
        logger[metadataKey: "host"] = "\(host)"
        self.host = host
        let driverName = CoreOptions.computeDriver.read(config)
        self.driver = try registry.makeVirtDriver(named: driverName,
                                                  context: PluginContext(config: config, logger: logger, host: host))
        let timeout = Duration.seconds(try CoreOptions.rpcResponseTimeout.read(config))
        self.conductor = try ConductorClient(transport: transport, config: config, timeout: timeout)
        self.transport = transport
        self.timing = try ServiceTiming(config: config)
        self.resourceInterval = try ComputeOptions.updateResourcesInterval.read(config)
        self.powerSyncInterval = try ComputeOptions.syncPowerStateInterval.read(config)
        self.inventory = try Self.inventory(config)
        self.agentPollingInterval = try ComputeOptions.agentPollingInterval.read(config)
        var manager = ComputeManager(host: host, driver: driver, conductor: conductor,
                                      peers: try ComputeRPCClient(transport: transport, config: config, timeout: timeout),
                                      maxConcurrentBuilds: try ComputeOptions.maxConcurrentBuilds.read(config),
                                      imageCacheDirectory: (CoreOptions.statePath.read(config)
                                          as NSString).appendingPathComponent("image-cache"),
                                      logger: logger, consoles: try ConsoleSettings(config, host: host),
                                      configDrives: try ConfigDriveSettings(config))
        if let neutron {
            let backend = try registry.makeNetworkBackend(named: CoreOptions.networkBackend.read(config),
                                                          context: PluginContext(config: config, logger: logger, host: host))
            manager.network = NetworkPlumbing(backend: backend, neutron: neutron, logger: logger)
        }
        manager.shelvedOffloadTime = try ComputeOptions.shelvedOffloadTime.read(config)
        self.manager = manager
        self.logger = logger
        self.rpcEndpoint = rpcEndpoint
        self.rpcPublicKey = rpcPublicKey
    }

    static func inventory(_ c: NimbusConfig) throws -> InventorySettings {
        let reservedDiskMB = try ComputeOptions.reservedHostDiskMB.read(c)
        return InventorySettings(
            reserved: Resources(vcpus: try ComputeOptions.reservedHostCPUs.read(c),
                                memoryMB: try ComputeOptions.reservedHostMemoryMB.read(c),
                                diskGB: (reservedDiskMB + 1023) / 1024),
            cpuRatio: try ComputeOptions.cpuAllocationRatio.read(c),
            ramRatio: try ComputeOptions.ramAllocationRatio.read(c),
            diskRatio: try ComputeOptions.diskAllocationRatio.read(c),
            initialCPURatio: try ComputeOptions.initialCPUAllocationRatio.read(c),
            initialRAMRatio: try ComputeOptions.initialRAMAllocationRatio.read(c),
            initialDiskRatio: try ComputeOptions.initialDiskAllocationRatio.read(c))
    }

    /// Registers the service and reports resources; after this the scheduler can pick the host.
    /// Every compute service and where it listens (through the conductor: a compute never opens the database).
    public func computePeers() async throws -> [ServiceRecord] {
        try await conductor.db.call(ConductorAPI.computeServices, Empty())
    }

    /// Waits for the conductor (as nova-compute does) instead of exiting when it is not up yet.
    /// `onRegistered` hears of the service row as soon as the conductor has it, before the heartbeat, resource
    /// report and recovery finish (a SIGTERM in between must still mark the row stopped).
    public func register(onRegistered: @Sendable (ServiceRecord) -> Void = { _ in }) async throws -> ServiceRecord {
        try await driver.initHost()
        var delay = 0.5
        while true {
            do { return try await registerOnce(onRegistered) } catch let error as TransportError {
                logger.warning("waiting for the conductor: \(error); retrying in \(delay) s")
                try await Task.sleep(for: .seconds(delay))
                delay = min(delay * 2, 10)
            }
        }
    }

    private func registerOnce(_ onRegistered: @Sendable (ServiceRecord) -> Void) async throws -> ServiceRecord {
        let service = try await conductor.db.call(
            ConductorAPI.serviceRegister,
            ConductorAPI.RegisterService(host: host, binary: "nova-compute", topic: ComputeManagerAPI.topic,
                                         rpcEndpoint: rpcEndpoint, rpcPublicKey: rpcPublicKey))
        onRegistered(service)
        _ = try await conductor.db.call(ConductorAPI.serviceHeartbeat, ConductorAPI.UUIDArg(service.uuid))
        try await reportResources()
        try await manager.recover()
        return service
    }

    func reportResources() async throws {
        let resources = try await driver.hostResources()
        _ = try await conductor.db.call(ConductorAPI.computeNodeUpdate,
                                        ConductorAPI.NodeUpdate(host: host, resources: resources, inventory: inventory))
        try await reportCapabilities(node: resources.hypervisorHostname)
    }

    public func run() async throws {
        let (ready, readyContinuation) = AsyncStream.makeStream(of: Void.self)
        let server = RPCServer(transport: transport, target: TransportTarget(topic: ComputeManagerAPI.topic, server: host),
                               endpoints: [manager.endpoint()], logger: logger, ready: readyContinuation)
        let registered = Mutex<ServiceRecord?>(nil)
        // A SIGTERM while registration or recovery is still running cancels them (CancellationError): the row
        // written by then must still be marked stopped below, so that error ends the group but not this method.
        var failure: (any Error)?
        do { try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.run() }
            for await _ in ready { break }  // listen before registering, so no build is cast into the void
            // Waiting for the conductor must not outlive a SIGTERM.
            let service = try await cancelWhenGracefulShutdown {
                try await self.register(onRegistered: { s in registered.withLock { $0 = s } })
            }
            logger.info("compute service started", metadata: ["driver": "\(type(of: driver).name)"])
            group.addTask { await self.periodic(every: self.timing.reportInterval) { try await self.heartbeat(service) } }
            group.addTask { await self.periodic(every: self.resourceInterval) { try await self.reportResources() } }
            group.addTask { await self.periodic(every: self.powerSyncInterval) { try await self.manager.syncPowerStates() } }
            if let network = manager.network {
                group.addTask { await self.periodic(every: self.agentPollingInterval) { try await network.refreshFirewalls() } }
            }
            if let events = driver as? any LifecycleEventDriver {
                group.addTask {
                    await cancelWhenGracefulShutdown {
                        for await event in events.lifecycleEvents() { await self.manager.handle(event) }
                    }
                }
            }
        } } catch { failure = error }
        // Graceful shutdown (SIGTERM): in-flight handlers have finished; say so in the service row (15 s: a busy
        // conductor answered too late at 5 s and the row stayed up until service_down_time).
        if let registered = registered.withLock({ $0 }), !Task.isCancelled {
            do {
                _ = try await conductor.db.call(ConductorAPI.serviceStopped, ConductorAPI.UUIDArg(registered.uuid),
                                                timeout: .seconds(15))
                logger.info("compute service stopped")
            } catch {
                logger.info("compute service stopped, but the conductor was not told: \(error)")
            }
        }
        if let failure, !(failure is CancellationError) { throw failure }
    }

    func heartbeat(_ service: ServiceRecord) async throws {
        _ = try await conductor.db.call(ConductorAPI.serviceHeartbeat, ConductorAPI.UUIDArg(service.uuid))
    }

    /// Runs `body` every `seconds` until cancelled or graceful shutdown; failures are logged, not fatal.
    func periodic(every seconds: Double, _ body: @escaping @Sendable () async throws -> Void) async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: .seconds(seconds)) } catch { return }
                do { try await body() } catch {
                    self.logger.warning("periodic task failed: \(error)")
                }
            }
        }
    }
}
