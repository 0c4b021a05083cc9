import Foundation
import NimbusKernel
import NimbusRPC

/// The compute's only path to the database: typed calls to the conductor.
struct ConductorClient: Sendable {
    let db: RPCClient
    let task: RPCClient

    init(transport: any Transport, timeout: Duration) {
        db = RPCClient(transport: transport, target: TransportTarget(topic: Topics.conductor),
                       version: Topics.conductorVersion, timeout: timeout)
        task = RPCClient(transport: transport, target: TransportTarget(topic: Topics.conductor),
                         namespace: Topics.computeTask, version: Topics.computeTaskVersion, timeout: timeout)
    }

    @discardableResult
    func update(_ uuid: UUID, _ u: InstanceUpdate) async throws -> InstanceRecord {
        try await db.call("instance_update", ConductorAPI.InstanceUpdateArgs(uuid: uuid, update: u))
    }

    func fault(_ f: InstanceFault) async throws {
        _ = try await db.call("instance_fault_create", f, returning: Empty.self)
    }

    func release(_ uuid: UUID) async throws {
        _ = try await db.call("allocation_release", ConductorAPI.UUIDArg(uuid), returning: Int.self)
    }

    func destroyed(_ uuid: UUID) async throws {
        _ = try await db.call("instance_destroy", ConductorAPI.UUIDArg(uuid), returning: Empty.self)
    }

    func buildResult(node: String, success: Bool) async throws {
        _ = try await db.call("build_result", ConductorAPI.BuildResult(node: node, success: success), returning: Empty.self)
    }

    /// Bytes per `image_data` call: well under the conductor's cap and the RPC message size.
    static let imageChunk = 4 << 20

    func image(_ id: String) async throws -> ConductorAPI.ImageMeta {
        try await db.call("image_get", ConductorAPI.ImageRef(id: id))
    }

    func imageData(_ id: String, offset: Int, length: Int) async throws -> Data {
        try await db.call("image_data", ConductorAPI.ImageChunk(id: id, offset: offset, length: length))
    }

    func event(_ e: ConductorAPI.ActionEvent) async throws {
        _ = try await db.call("action_event", e, returning: Empty.self)
    }
}

extension Error {
    /// The instance is gone or another operation took it over (deleted during a build).
    var isInstanceGone: Bool {
        guard let r = self as? RemoteError else { return false }
        return r.type == ConductorAPI.instanceNotFound || r.type == ConductorAPI.unexpectedTaskState
    }
}
