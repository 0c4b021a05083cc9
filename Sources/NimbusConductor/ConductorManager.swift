import ComputeRPC
import ConductorRPC
import Foundation
import MetadataDocuments
import NeutronClient
import Logging
import NimbusKernel
import NimbusRPC
import NimbusStore
import SchedulerRPC

/// The conductor: orchestrates builds and reschedules (`compute_task` API) and is the database proxy
/// for compute nodes (default API).
public struct ConductorManager: Sendable {
    let store: NimbusStore
    let scheduler: SchedulerRPCClient
    let compute: ComputeRPCClient
    let maxAttempts: Int
    /// `resize_confirm_window` in seconds (0: off).
    let resizeConfirmWindow: Int
    /// `reclaim_instance_interval` in seconds (0: deletes are immediate, nothing to reclaim).
    let reclaimInstanceInterval: Int
    /// `rpc_response_timeout` in seconds (how long a compute may wait on us before giving up).
    let rpcTimeout: Double
    public let logger: Logger
    /// Told about every registration (the daemon's service directory learns new computes at once).
    public var onServiceRegistered: (@Sendable (ServiceRecord) -> Void)?
    /// Where the built-in image service keeps image bytes; nil when images live in an external Glance
    /// (computes then cannot fetch them through us).
    public var imageDataDirectory: String?
    /// The Networking API: ports of a build are bound to its host before the compute gets it (ConductorNetworks).
    public var neutron: NeutronClient?
    /// `[DEFAULT] force_config_drive` and `[api] dhcp_domain`: the conductor gives the compute the drive's documents.
    let forceConfigDrive: Bool
    let dhcpDomain: String
    /// This process: builds it drives are owned by `conductor:<incarnation>` in the store (see BuildRecovery).
    public let incarnation = UUID()
    var owner: String { NimbusStore.conductorOwner(incarnation) }

    public init(store: NimbusStore, transport: any Transport, config: NimbusConfig, logger: Logger) throws {
        self.store = store
        rpcTimeout = try CoreOptions.rpcResponseTimeout.read(config)
        let timeout = Duration.seconds(rpcTimeout)
        self.scheduler = try SchedulerRPCClient(transport: transport, config: config, timeout: timeout)
        self.compute = try ComputeRPCClient(transport: transport, config: config, timeout: timeout)
        self.maxAttempts = max(1, try CoreOptions.maxAttempts.read(config))
        self.resizeConfirmWindow = try ConductorOptions.resizeConfirmWindow.read(config)
        self.forceConfigDrive = try ConfigDriveOptions.forceConfigDrive.read(config)
        self.dhcpDomain = ConfigDriveOptions.dhcpDomain.read(config)
        self.reclaimInstanceInterval = try CoreOptions.reclaimInstanceInterval.read(config)
        self.logger = logger
    }

    // MARK: endpoints

    public func endpoints() -> [RPCEndpoint] {
        var task = RPCEndpoint(ComputeTaskAPI.self)
        task.on(ComputeTaskAPI.scheduleAndBuildInstances) { req in
            try await self.scheduleAndBuild(req.spec, instanceUUIDs: req.instanceUUIDs)
            return Empty()
        }
        task.on(ComputeTaskAPI.buildInstances) { req in
            try await self.reschedule(req)
            return Empty()
        }

        var db = RPCEndpoint(ConductorAPI.self)
        db.on(ConductorAPI.serviceRegister) { a in
            let registeredAt = Date()
            let s = try await store.registerService(host: a.host, binary: a.binary, topic: a.topic,
                                                    rpcEndpoint: a.rpcEndpoint, rpcPublicKey: a.rpcPublicKey)
            self.onServiceRegistered?(s)
            if a.binary == "nova-compute" { await self.failBuildsLost(restartedCompute: a.host, before: registeredAt) }
            return s
        }
        db.on(ConductorAPI.serviceHeartbeat) { a in try await store.heartbeat(service: a.uuid) }
        db.on(ConductorAPI.serviceStopped) { a in
            try await store.markServiceStopped(a.uuid)
            return Empty()
        }
        db.on(ConductorAPI.computeNodeUpdate) { a in
            try await store.upsertComputeNode(host: a.host, resources: a.resources, inventory: a.inventory)
        }
        db.on(ConductorAPI.instanceUpdate) { a in
            do { return try await store.updateInstance(a.uuid, a.update) } catch let e as StoreError {
                // Computes act on these two by name (the instance was deleted or changed under them).
                switch e {
                case .notFound: throw RemoteError(type: ConductorAPI.instanceNotFound, message: e.description)
                case .unexpectedTaskState: throw RemoteError(type: ConductorAPI.unexpectedTaskState, message: e.description)
                default: throw e
                }
            }
        }
        db.on(ConductorAPI.instanceGet) { a in try await store.instance(a.uuid) }
        db.on(ConductorAPI.instanceDestroy) { a in
            try await store.markDeleted(a.uuid)
            return Empty()
        }
        db.on(ConductorAPI.instancesDeleted) { a in try await store.deletedInstanceUUIDs(among: a) }
        db.on(ConductorAPI.instancesOnHost) { a in try await store.instances(InstanceQuery(host: a.host)) }
        db.on(ConductorAPI.instanceFaultCreate) { f in
            try await store.addFault(f)
            return Empty()
        }
        db.on(ConductorAPI.allocationRelease) { a in
            try await store.releaseAllocations(consumer: a.uuid)
        }
        db.on(ConductorAPI.imageGet) { a in try await self.imageMeta(a.id) }
        db.on(ConductorAPI.imageData) { a in try await self.imageData(a) }
        db.on(ConductorAPI.buildResult) { a in
            try await store.recordBuildResult(node: a.node, success: a.success)
            return Empty()
        }
        db.on(ConductorAPI.actionEvent) { e in
            try await store.recordEvent(e.instance, requestID: e.requestID, event: e.event, host: e.host,
                                        start: e.start, finish: e.finish, result: e.result, traceback: e.traceback)
            return Empty()
        }
        serveCapabilities(&db)
        serveMoves(&task, &db)
        serveImageUploads(&db)
        serveShelve(&task, &db)
        serveEvacuate(&task, &db)
        serveLiveMigrate(&task, &db)
        return [task, db]
    }

    // MARK: orchestration

    /// `schedule_and_build_instances`: ask the scheduler, then cast builds; NoValidHost (or any scheduler
    /// failure) puts every instance of the request in ERROR with a fault carrying the report.
    func scheduleAndBuild(_ spec: RequestSpec, instanceUUIDs requested: [UUID]) async throws {
        // Only builds nobody drives yet: one another conductor resumed or failed meanwhile is not ours.
        let taken = try await store.transferBuilds(requested, from: nil, to: owner)
        let instanceUUIDs = requested.filter(taken.contains)
        guard !instanceUUIDs.isEmpty else { return }
        let selections: [[Selection]]
        do {
            selections = try await scheduler.call(
                SchedulerAPI.selectDestinations, SelectDestinationsArgs(spec: spec, instanceUUIDs: instanceUUIDs))
        } catch {
            let (message, details) = Self.describe(error)
            logger.warning("scheduling failed", metadata: ["instances": "\(instanceUUIDs.count)", "error": "\(message)"])
            for uuid in instanceUUIDs { await fail(uuid, code: 500, message: message, details: details, host: nil) }
            return
        }
        await withDiscardingTaskGroup { group in
            for (uuid, hosts) in zip(instanceUUIDs, selections) {
                group.addTask {
                    await self.build(uuid, spec: spec, hosts: hosts, attempt: 1)
                }
            }
        }
    }

    /// Casts `build_and_run_instance` to the first selection; if its compute cannot be reached, releases the
    /// claim and tries the next alternate (claiming it), as a reschedule would.
    func build(_ uuid: UUID, spec: RequestSpec, hosts: [Selection], attempt: Int) async {
        guard var instance = try? await store.instance(uuid) else {
            // Deleted while scheduling: give the capacity back and stop (Nova checks the BuildRequest).
            _ = try? await store.releaseAllocations(consumer: uuid)
            return
        }
        guard let first = hosts.first else { return }
        // Handing over: from here the compute drives the build. If this fails the build is no longer ours (failed
        // as orphaned, or deleted): give back what was claimed for it and stop.
        let handedTo = NimbusStore.computeOwner(first.host)
        guard (try? await store.transferBuilds([uuid], from: owner, to: handedTo))?.isEmpty == false else {
            _ = try? await store.releaseAllocations(consumer: uuid)
            return
        }
        instance.host = first.host
        instance.node = first.nodename
        await bindPorts(uuid, host: first.host, availabilityZone: instance.availabilityZone)
        let req = BuildInstanceRequest(instance: instance, spec: spec, selection: first,
                                       alternates: Array(hosts.dropFirst()), attempt: attempt,
                                       retryEnabled: maxAttempts > 1, configDrive: await configDrive(uuid))
        do {
            try await compute.prepare(server: first.host).cast(ComputeManagerAPI.buildAndRunInstance, req)
        } catch {
            logger.warning("cannot reach compute \(first.host): \(error)", metadata: ["instance": "\(uuid)"])
            _ = try? await store.releaseAllocations(consumer: uuid)
            guard (try? await store.transferBuilds([uuid], from: handedTo, to: owner))?.isEmpty == false else { return }
            await rescheduleOwned(RescheduleRequest(instanceUUID: uuid, spec: spec, alternates: req.alternates,
                                                    attempt: attempt, failedHost: first.host, error: "\(error)"))
        }
    }

    /// `build_instances` on the reschedule path: no new scheduling pass; claim alternates in order. The compute
    /// handed the build back (nobody owns it); a duplicate or late cast finds it taken and stops.
    func reschedule(_ req: RescheduleRequest) async throws {
        guard try await !store.transferBuilds([req.instanceUUID], from: nil, to: owner).isEmpty else { return }
        await rescheduleOwned(req)
    }

    func rescheduleOwned(_ req: RescheduleRequest) async {
        let attempt = req.attempt + 1
        var remaining = req.alternates
        if attempt <= maxAttempts {
            while !remaining.isEmpty {
                let next = remaining.removeFirst()
                let claimed = (try? await store.claim(consumer: req.instanceUUID, node: next.nodeUUID,
                                                      resources: next.resources, projectID: req.spec.projectID,
                                                      userID: req.spec.userID)) ?? false
                if claimed {
                    await build(req.instanceUUID, spec: req.spec, hosts: [next] + remaining, attempt: attempt)
                    return
                }
            }
        }
        let message = "Exceeded maximum number of retries. Exhausted all hosts available for retrying build "
            + "failures for instance \(req.instanceUUID.uuidString.lowercased())."
        await fail(req.instanceUUID, code: 500, message: message,
                   details: "Last failure on \(req.failedHost): \(req.error)", host: nil)
    }

    /// Puts a build this conductor drives in ERROR with a fault, freeing its claims (it never reached a host).
    /// Nothing happens if it is no longer ours (deleted, or failed by another conductor's recovery).
    func fail(_ uuid: UUID, code: Int, message: String, details: String, host: String?) async {
        do {
            try await store.failInstance(InstanceFault(instanceUUID: uuid, code: code, message: message,
                                                       details: details, host: host),
                                         when: .pending(owner: owner))
        } catch {
            logger.error("could not record build failure", metadata: ["instance": "\(uuid)", "error": "\(error)"])
        }
    }

    static func describe(_ error: any Error) -> (String, String) {
        if let remote = error as? RemoteError, let nvh = remote.decode(NoValidHost.self) {
            return (nvh.message, nvh.report.description)
        }
        if let nvh = error as? NoValidHost { return (nvh.message, nvh.report.description) }
        return ("Scheduling failed: \(error)", "")
    }
}
