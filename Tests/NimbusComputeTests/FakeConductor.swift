import ComputeRPC
import ConductorRPC
import Foundation
import NimbusKernel
import NimbusRPC

/// The conductor as a compute sees it, kept in memory: serves the database-proxy API and the reschedule method
/// (`compute_task.build_instances`) through the typed descriptors, applies instance updates as the store does
/// (guarded by the expected task states, with Nova's error names) and records every call, so a test asserts
/// exactly what the compute asked for.
actor FakeConductor {
    private(set) var instances: [UUID: InstanceRecord] = [:]
    private(set) var deleted: Set<UUID> = []
    private(set) var registrations: [ConductorAPI.RegisterService] = []
    private(set) var heartbeats: [UUID] = []
    private(set) var nodeUpdates: [ConductorAPI.NodeUpdate] = []
    /// Every `instance_update`, refused ones included, in arrival order.
    private(set) var updates: [(uuid: UUID, update: InstanceUpdate)] = []
    private(set) var faults: [InstanceFault] = []
    private(set) var released: [UUID] = []
    private(set) var destroyed: [UUID] = []
    private(set) var buildResults: [ConductorAPI.BuildResult] = []
    private(set) var reschedules: [RescheduleRequest] = []
    private(set) var hostQueries: [String] = []
    private(set) var deletedQueries: [[UUID]] = []
    /// The service record handed out by `service_register`.
    let service: ServiceRecord
    /// When an update sets this task state on this instance, the instance is deleted right after (a user's
    /// delete racing the build).
    private var deleteWhen: (uuid: UUID, taskState: TaskState)?

    init(host: String, instances: [InstanceRecord] = []) {
        service = ServiceRecord(host: host, binary: "nova-compute", topic: ComputeManagerAPI.topic)
        for i in instances { self.instances[i.uuid] = i }
    }

    func put(_ i: InstanceRecord) { instances[i.uuid] = i }

    /// What the API does before casting an action: set the task state.
    func setTaskState(_ uuid: UUID, _ t: TaskState?) { instances[uuid]?.taskState = t }

    func delete(_ uuid: UUID, when taskState: TaskState) { deleteWhen = (uuid, taskState) }

    func history(_ uuid: UUID) -> [InstanceUpdate] { updates.filter { $0.uuid == uuid }.map(\.update) }

    private func update(_ a: ConductorAPI.InstanceUpdateArgs) throws -> InstanceRecord {
        updates.append((a.uuid, a.update))
        guard var i = instances[a.uuid] else {
            throw RemoteError(type: ConductorAPI.instanceNotFound, message: "Instance \(a.uuid) could not be found.")
        }
        let u = a.update
        if let expected = u.expectedTaskStates, !expected.contains(i.taskState) {
            throw RemoteError(type: ConductorAPI.unexpectedTaskState, message: "task state is \(String(describing: i.taskState))")
        }
        if let v = u.vmState { i.vmState = v }
        if let t = u.taskState { i.taskState = t }
        if let p = u.powerState { i.powerState = p }
        if let h = u.host { i.host = h }
        if let n = u.node { i.node = n }
        if let l = u.launchedAt { i.launchedAt = l }
        instances[a.uuid] = i
        if let d = deleteWhen, d.uuid == a.uuid, i.taskState == d.taskState { markDeleted(a.uuid) }
        return i
    }

    private func markDeleted(_ uuid: UUID) {
        instances[uuid] = nil
        deleted.insert(uuid)
    }

    private func onHost(_ host: String) -> [InstanceRecord] {
        hostQueries.append(host)
        return instances.values.filter { $0.host == host }.sorted { $0.name < $1.name }
    }

    private func deletedAmong(_ uuids: [UUID]) -> [UUID] {
        deletedQueries.append(uuids)
        return uuids.filter { deleted.contains($0) }
    }

    private func register(_ r: ConductorAPI.RegisterService) -> ServiceRecord {
        registrations.append(r)
        return service
    }

    private func heartbeat(_ uuid: UUID) -> ServiceRecord {
        heartbeats.append(uuid)
        return service
    }

    private func node(_ n: ConductorAPI.NodeUpdate) -> ComputeNodeRecord {
        nodeUpdates.append(n)
        return ComputeNodeRecord(host: n.host, resources: n.resources)
    }

    private func fault(_ f: InstanceFault) { faults.append(f) }
    private func release(_ uuid: UUID) -> Int {
        released.append(uuid)
        return 1
    }
    private func destroy(_ uuid: UUID) {
        destroyed.append(uuid)
        markDeleted(uuid)
    }
    private func result(_ r: ConductorAPI.BuildResult) { buildResults.append(r) }
    private func reschedule(_ r: RescheduleRequest) { reschedules.append(r) }

    /// Both APIs the conductor serves on its topic: the database proxy and `compute_task`.
    nonisolated func endpoints() -> [RPCEndpoint] {
        var db = RPCEndpoint(ConductorAPI.self)
        db.on(ConductorAPI.serviceRegister) { a in await self.register(a) }
        db.on(ConductorAPI.serviceHeartbeat) { a in await self.heartbeat(a.uuid) }
        db.on(ConductorAPI.serviceStopped) { _ in Empty() }
        db.on(ConductorAPI.computeNodeUpdate) { a in await self.node(a) }
        db.on(ConductorAPI.computeNodeCapabilities) { _ in Empty() }
        db.on(ConductorAPI.instanceUpdate) { a in try await self.update(a) }
        db.on(ConductorAPI.instanceGet) { a in await self.instances[a.uuid] }
        db.on(ConductorAPI.instanceDestroy) { a in
            await self.destroy(a.uuid)
            return Empty()
        }
        db.on(ConductorAPI.instancesDeleted) { a in await self.deletedAmong(a) }
        db.on(ConductorAPI.instancesOnHost) { a in await self.onHost(a.host) }
        db.on(ConductorAPI.instanceFaultCreate) { f in
            await self.fault(f)
            return Empty()
        }
        db.on(ConductorAPI.allocationRelease) { a in await self.release(a.uuid) }
        db.on(ConductorAPI.imageGet) { a in
            throw RemoteError(type: "ImageNotFound", message: "Image \(a.id) could not be found.")
        }
        db.on(ConductorAPI.buildResult) { r in
            await self.result(r)
            return Empty()
        }
        db.on(ConductorAPI.actionEvent) { _ in Empty() }

        var task = RPCEndpoint(ComputeTaskAPI.self)
        task.on(ComputeTaskAPI.buildInstances) { r in
            await self.reschedule(r)
            return Empty()
        }
        return [db, task]
    }
}
