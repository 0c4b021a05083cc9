import ComputeRPC
import ConductorRPC
import Foundation
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
    public let logger: Logger
    /// Told about every registration (the daemon's service directory learns new computes at once).
    public var onServiceRegistered: (@Sendable (ServiceRecord) -> Void)?
    /// Where the built-in image service keeps image bytes; nil when images live in an external Glance
    /// (computes then cannot fetch them through us).
    public var imageDataDirectory: String?

    public init(store: NimbusStore, transport: any Transport, config: NimbusConfig, logger: Logger) throws {
        self.store = store
        let timeout = Duration.seconds(try config.double("DEFAULT", "rpc_response_timeout", default: 60))
        self.scheduler = try SchedulerRPCClient(transport: transport, config: config, timeout: timeout)
        self.compute = try ComputeRPCClient(transport: transport, config: config, timeout: timeout)
        self.maxAttempts = max(1, try config.int("scheduler", "max_attempts", default: 3))
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
            let s = try await store.registerService(host: a.host, binary: a.binary, topic: a.topic,
                                                    rpcEndpoint: a.rpcEndpoint, rpcPublicKey: a.rpcPublicKey)
            self.onServiceRegistered?(s)
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
        return [task, db]
    }

    // MARK: orchestration

    /// `schedule_and_build_instances`: ask the scheduler, then cast builds; NoValidHost (or any scheduler
    /// failure) puts every instance of the request in ERROR with a fault carrying the report.
    func scheduleAndBuild(_ spec: RequestSpec, instanceUUIDs: [UUID]) async throws {
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
        instance.host = first.host
        instance.node = first.nodename
        let req = BuildInstanceRequest(instance: instance, spec: spec, selection: first,
                                       alternates: Array(hosts.dropFirst()), attempt: attempt,
                                       retryEnabled: maxAttempts > 1)
        do {
            try await compute.prepare(server: first.host).cast(ComputeManagerAPI.buildAndRunInstance, req)
        } catch {
            logger.warning("cannot reach compute \(first.host): \(error)", metadata: ["instance": "\(uuid)"])
            _ = try? await store.releaseAllocations(consumer: uuid)
            try? await reschedule(RescheduleRequest(instanceUUID: uuid, spec: spec, alternates: req.alternates,
                                                    attempt: attempt, failedHost: first.host, error: "\(error)"))
        }
    }

    /// `build_instances` on the reschedule path: no new scheduling pass; claim alternates in order.
    func reschedule(_ req: RescheduleRequest) async throws {
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

    /// Puts an instance in ERROR with a fault and frees anything it held.
    func fail(_ uuid: UUID, code: Int, message: String, details: String, host: String?) async {
        do {
            _ = try await store.releaseAllocations(consumer: uuid)
            try await store.updateInstance(uuid, InstanceUpdate(vmState: .error, taskState: .some(nil)))
            try await store.addFault(InstanceFault(instanceUUID: uuid, code: code, message: message, details: details,
                                                   host: host))
        } catch StoreError.notFound {
            // Deleted meanwhile: nothing to record.
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
