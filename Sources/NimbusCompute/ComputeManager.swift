import ComputeRPC
import ConductorRPC
import Foundation
import Logging
import Metrics
import NimbusKernel
import NimbusRPC

/// The compute manager of one host (nova/compute/manager.py, the parts Nimbus runs): builds with Nova's
/// state transitions, reschedules on failure, and the instance operations the API casts or calls.
public struct ComputeManager: Sendable {
    public let host: String
    let driver: any VirtDriver
    let conductor: ConductorClient
    /// Other computes (a move's steps are cast from host to host).
    let peers: ComputeRPCClient
    let builds: BuildLimiter
    let images: ImageCache
    let logger: Logger
    let consoles: ConsoleSettings
    let configDrives: ConfigDriveSettings
    /// Ports plugged through the network backend; nil without a Networking API to read them from.
    var network: NetworkPlumbing?
    /// `shelved_offload_time`: 0 offloads a shelved server at once.
    var shelvedOffloadTime = 0

    init(host: String, driver: any VirtDriver, conductor: ConductorClient, peers: ComputeRPCClient,
         maxConcurrentBuilds: Int, imageCacheDirectory: String, logger: Logger,
         consoles: ConsoleSettings = ConsoleSettings(), configDrives: ConfigDriveSettings = ConfigDriveSettings()) {
        self.configDrives = configDrives
        self.host = host
        self.driver = driver
        self.conductor = conductor
        self.peers = peers
        self.builds = BuildLimiter(maxConcurrentBuilds)
        self.images = ImageCache(directory: imageCacheDirectory, conductor: conductor)
        self.logger = logger
        self.consoles = consoles
    }

    public func endpoint() -> RPCEndpoint {
        var e = RPCEndpoint(ComputeManagerAPI.self)
        e.on(ComputeManagerAPI.buildAndRunInstance) { r in
            await self.buildAndRun(r)
            return Empty()
        }
        e.on(ComputeManagerAPI.terminateInstance) { op in
            try await self.terminate(op.instance)
            return Empty()
        }
        serveActions(&e)
        serveResize(&e)
        serveRebuild(&e)
        serveRescue(&e)
        serveSnapshot(&e)
        serveShelve(&e)
        serveConsoles(&e)
        serveLiveMigration(&e)
        e.on(ComputeManagerAPI.getConsoleOutput) { op in
            let d = try Self.capability(driver, (any ConsoleOutputDriver).self, "console output")
            return ConsoleTail.tail(try await d.consoleOutput(op.instance), length: op.length)
        }
        e.on(ComputeManagerAPI.getHostUptime) { _ in
            try await Self.capability(driver, (any HostUptimeDriver).self, "host uptime").hostUptime()
        }
        return e
    }

    // MARK: build

    func buildAndRun(_ req: BuildInstanceRequest) async {
        await builds.acquire()
        await build(req)
        await builds.release()
    }

    private func build(_ req: BuildInstanceRequest) async {
        let uuid = req.instance.uuid
        let started = Date()
        var instance = req.instance
        do {
            instance = try await conductor.update(uuid, InstanceUpdate(
                taskState: .some(nil), host: .some(host), node: .some(req.selection.nodename),
                expectedTaskStates: [.scheduling]))
            for (next, expected) in [(TaskState.networking, TaskState?.none), (.blockDeviceMapping, .networking),
                                     (.spawning, .blockDeviceMapping)] {
                instance = try await conductor.update(uuid, InstanceUpdate(taskState: .some(next),
                                                                           expectedTaskStates: [expected]))
            }
            var spawn = try await spawnRequest(instance, req.spec)
            if let source = req.configDrive { spawn.configDrivePath = try await makeConfigDrive(source) }
            try await driver.spawn(spawn)
            let info = try await driver.instanceInfo(instance)
            try await conductor.update(uuid, InstanceUpdate(
                vmState: .active, taskState: .some(nil), powerState: info.powerState, launchedAt: Date(),
                expectedTaskStates: [.spawning]))
            try? await conductor.buildResult(node: req.selection.nodename, success: true)
            Counter(label: "nimbus_compute_builds_total", dimensions: [("result", "success")]).increment()
            await recordEvent(uuid, started: started, result: "Success")
        } catch where error.isInstanceGone {
            // Deleted while building: undo what we did here; the delete path owns the record.
            logger.info("instance deleted during build", metadata: ["instance": "\(uuid)"])
            try? await driver.destroy(instance)
            await network?.unplug(uuid)
            try? await conductor.release(uuid)
        } catch {
            await buildFailed(req, instance: instance, error: error, started: started)
        }
    }

    /// For drivers that boot from local files: the image, and the kernel and ramdisk its `kernel_id` /
    /// `ramdisk_id` properties name, fetched into the image cache (Nova's direct kernel boot).
    func spawnRequest(_ instance: InstanceRecord, _ spec: RequestSpec) async throws -> SpawnRequest {
        var request = SpawnRequest(instance: instance, imageProperties: spec.imageProperties)
        // Before the guest starts, as Nova's plug_vifs: its NICs go on bridges that must exist.
        request.vifs = try await network?.plug(instance.uuid) ?? []
        guard let d = driver as? any ImageFileDriver, d.needsImageFiles, !instance.imageRef.isEmpty else {
            return request
        }
        let meta = try await conductor.image(instance.imageRef)
        request.imageProperties = meta.properties
        request.imagePath = try await images.path(for: meta)
        if let kernel = meta.properties["kernel_id"] {
            request.kernelPath = try await images.path(for: try await conductor.image(kernel))
        }
        if let ramdisk = meta.properties["ramdisk_id"] {
            request.ramdiskPath = try await images.path(for: try await conductor.image(ramdisk))
        }
        return request
    }

    private func buildFailed(_ req: BuildInstanceRequest, instance: InstanceRecord, error: any Error, started: Date) async {
        let uuid = req.instance.uuid
        logger.warning("build failed on \(host): \(error)", metadata: ["instance": "\(uuid)"])
        try? await driver.destroy(instance)
        removeConfigDrive(uuid)
        await network?.unplug(uuid)
        try? await conductor.buildResult(node: req.selection.nodename, success: false)
        Counter(label: "nimbus_compute_builds_total", dimensions: [("result", "failure")]).increment()
        await recordEvent(uuid, started: started, result: "Error", traceback: "\(error)")
        do {
            try await conductor.release(uuid)
            if req.retryEnabled {
                try await conductor.update(uuid, InstanceUpdate(taskState: .some(.scheduling), host: .some(nil),
                                                                node: .some(nil)))
                try await conductor.task.cast(ComputeTaskAPI.buildInstances, RescheduleRequest(
                    instanceUUID: uuid, spec: req.spec, alternates: req.alternates, attempt: req.attempt,
                    failedHost: host, error: "\(error)"))
            } else {
                try await conductor.update(uuid, InstanceUpdate(vmState: .error, taskState: .some(nil),
                                                                host: .some(nil), node: .some(nil)))
                try await conductor.fault(InstanceFault(instanceUUID: uuid, code: 500,
                                                        message: "Build of instance \(uuid.uuidString.lowercased()) aborted: \(error)",
                                                        host: host))
            }
        } catch {
            logger.error("could not hand back failed build", metadata: ["instance": "\(uuid)", "error": "\(error)"])
        }
    }

    private func recordEvent(_ uuid: UUID, started: Date, result: String, traceback: String? = nil) async {
        guard let rid = RequestContext.requestID else { return }
        try? await conductor.event(ConductorAPI.ActionEvent(
            instance: uuid, requestID: rid, event: "compute__do_build_and_run_instance", host: host, start: started,
            finish: Date(), result: result, traceback: traceback))
    }

    // MARK: start-up recovery (Nova's init_host / _init_instance)

    /// Reconciles this host after a (re)start: guests of instances deleted meanwhile are destroyed (Nova's
    /// `running_deleted_instance_action = reap`), builds interrupted by a crash go to ERROR with a fault,
    /// interrupted deletes are finished, the other guests' ports are plugged again. A guest the database never knew is only logged, as Nova does: it may
    /// belong to someone else on a shared hypervisor.
    func recover() async throws {
        // A conductor pinned below 3.3 cannot list evacuations: nothing to clean then.
        do { try await destroyEvacuatedInstances() } catch {
            logger.warning("cannot look for evacuated instances: \(error)")
        }
        let known = try await conductor.db.call(ConductorAPI.instancesOnHost, ConductorAPI.HostArg(host))
        let knownIDs = Set(known.map(\.uuid))
        let unknown = try await driver.listInstances().filter { !knownIDs.contains($0) }
        let deleted = Set(try await conductor.db.call(ConductorAPI.instancesDeleted, unknown))
        for uuid in unknown {
            guard deleted.contains(uuid) else {
                logger.warning("guest on the hypervisor is unknown to the database; leaving it alone",
                               metadata: ["instance": "\(uuid)"])
                continue
            }
            logger.warning("destroying the guest of a deleted instance", metadata: ["instance": "\(uuid)"])
            let ghost = InstanceRecord(uuid: uuid, name: "", projectID: "", userID: "",
                                       flavor: Flavor(id: "", name: "", memoryMB: 0, vcpus: 0, rootGB: 0), imageRef: "")
            try? await driver.destroy(ghost)
            await network?.unplug(uuid)
        }
        for i in known {
            if i.taskState == .deleting {
                try? await terminate(i)
            } else if i.vmState == .building {
                try? await driver.destroy(i)
                await network?.unplug(i.uuid)
                try? await conductor.release(i.uuid)
                _ = try? await conductor.update(i.uuid, InstanceUpdate(vmState: .error, taskState: .some(nil)))
                try? await conductor.fault(InstanceFault(instanceUUID: i.uuid, code: 500,
                                                         message: "Compute host \(host) restarted during the build.",
                                                         host: host))
            } else if ![.error, .deleted, .softDeleted, .shelvedOffloaded].contains(i.vmState) {
                // As Nova's _init_instance plug_vifs: the backend keeps what it plugged in memory, so a restarted
                // compute plugs its guests' ports again (idempotent on the host) to filter and later unplug them.
                do { _ = try await network?.plug(i.uuid) } catch {
                    logger.warning("cannot plug the instance's ports again: \(error)", metadata: ["instance": "\(i.uuid)"])
                }
            }
        }
    }

    // MARK: other operations

    func terminate(_ instance: InstanceRecord) async throws {
        try await driver.destroy(instance)
        removeConfigDrive(instance.uuid)
        await network?.unplug(instance.uuid)
        try await conductor.destroyed(instance.uuid)
    }
}
