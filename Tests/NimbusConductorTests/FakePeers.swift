import ComputeRPC
import ConductorRPC
import Foundation
import NimbusKernel
import NimbusRPC
import NimbusStore
import SchedulerRPC

/// The scheduler as the conductor sees it: answers `select_destinations` from a script. Like the real one it
/// claims the chosen host of every instance in the store before replying (alternates are not claimed).
actor FakeScheduler {
    enum Script: Sendable {
        /// Per instance: host names, chosen first, then the alternates.
        case hosts([[String]])
        case noValidHost(NoValidHost)
    }

    let store: NimbusStore
    let nodes: [String: ComputeNodeRecord]
    private let script: Script
    /// Deletes the instances before replying (a user's delete racing the scheduler).
    private let deleteBeforeReply: Bool
    private(set) var requests: [SelectDestinationsArgs] = []

    init(store: NimbusStore, nodes: [String: ComputeNodeRecord], script: Script, deleteBeforeReply: Bool) {
        self.store = store
        self.nodes = nodes
        self.script = script
        self.deleteBeforeReply = deleteBeforeReply
    }

    func selection(_ host: String, _ r: Resources) throws -> Selection {
        guard let node = nodes[host] else { throw RemoteError(type: "FakeScheduler", message: "no node \(host)") }
        return Selection(host: host, nodename: node.resources.hypervisorHostname, nodeUUID: node.uuid, resources: r)
    }

    private func select(_ args: SelectDestinationsArgs) async throws -> [[Selection]] {
        defer { requests.append(args) }
        switch script {
        case .noValidHost(let e): throw e
        case .hosts(let plan):
            let r = args.spec.flavor.resources
            let selections = try plan.map { try $0.map { try selection($0, r) } }
            for (uuid, hosts) in zip(args.instanceUUIDs, selections) {
                guard let chosen = hosts.first,
                      try await store.claim(consumer: uuid, node: chosen.nodeUUID, resources: r,
                                            projectID: args.spec.projectID, userID: args.spec.userID)
                else { throw RemoteError(type: "FakeScheduler", message: "could not claim for \(uuid)") }
                if deleteBeforeReply { try await store.markDeleted(uuid) }
            }
            return selections
        }
    }

    nonisolated func endpoint() -> RPCEndpoint {
        var e = RPCEndpoint(SchedulerAPI.self)
        e.on(SchedulerAPI.selectDestinations) { args in try await self.select(args) }
        return e
    }
}

/// Computes as the conductor sees them: each host's `compute.<host>` server records the builds cast to it.
/// A failing host does what a real compute does when its driver fails with retry on: gives the claim back, puts
/// the instance back to scheduling and casts `build_instances` to the conductor with the alternates.
actor FakeComputes {
    struct Build: Sendable {
        /// The server the cast arrived at.
        let receivedOn: String
        let request: BuildInstanceRequest
    }

    let failing: Set<String>
    let db: ConductorRPCClient
    let task: ComputeTaskRPCClient
    private(set) var builds: [Build] = []

    init(failing: Set<String>, transport: any Transport) {
        self.failing = failing
        db = ConductorRPCClient(transport: transport, timeout: .seconds(20))
        task = ComputeTaskRPCClient(transport: transport, timeout: .seconds(20))
    }

    func received(_ uuid: UUID) -> [Build] { builds.filter { $0.request.instance.uuid == uuid } }

    private func build(on host: String, _ r: BuildInstanceRequest) async throws {
        builds.append(Build(receivedOn: host, request: r))
        guard failing.contains(host) else { return }
        let uuid = r.instance.uuid
        // A real compute has moved the build on (spawning) before it fails; the store frees the build for the
        // next conductor only on that hand-back from a later task state.
        _ = try await db.call(ConductorAPI.instanceUpdate, ConductorAPI.InstanceUpdateArgs(
            uuid: uuid, update: InstanceUpdate(taskState: .some(.spawning))))
        _ = try await db.call(ConductorAPI.allocationRelease, ConductorAPI.UUIDArg(uuid))
        _ = try await db.call(ConductorAPI.instanceUpdate, ConductorAPI.InstanceUpdateArgs(
            uuid: uuid, update: InstanceUpdate(taskState: .some(.scheduling), host: .some(nil), node: .some(nil))))
        try await task.cast(ComputeTaskAPI.buildInstances, RescheduleRequest(
            instanceUUID: uuid, spec: r.spec, alternates: r.alternates, attempt: r.attempt, failedHost: host,
            error: "spawn failed on \(host)"))
    }

    nonisolated func endpoint(host: String) -> RPCEndpoint {
        var e = RPCEndpoint(ComputeManagerAPI.self)
        e.on(ComputeManagerAPI.buildAndRunInstance) { r in
            try await self.build(on: host, r)
            return Empty()
        }
        return e
    }
}
