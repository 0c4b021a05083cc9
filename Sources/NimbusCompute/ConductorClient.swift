import ConductorRPC
import Foundation
import NimbusKernel
import NimbusRPC

/// The compute's only path to the database: typed calls to the conductor.
struct ConductorClient: Sendable {
    let db: ConductorRPCClient
    let task: ComputeTaskRPCClient

    /// Pinned by `[upgrade_levels] conductor` and `compute_task`.
    init(transport: any Transport, config: NimbusConfig, timeout: Duration) throws {
        db = try ConductorRPCClient(transport: transport, config: config, timeout: timeout)
        task = try ComputeTaskRPCClient(transport: transport, config: config, timeout: timeout)
    }

    @discardableResult
    func update(_ uuid: UUID, _ u: InstanceUpdate) async throws -> InstanceRecord {
        try await db.call(ConductorAPI.instanceUpdate, ConductorAPI.InstanceUpdateArgs(uuid: uuid, update: u))
    }

    func fault(_ f: InstanceFault) async throws {
        _ = try await db.call(ConductorAPI.instanceFaultCreate, f)
    }

    func release(_ uuid: UUID) async throws {
        _ = try await db.call(ConductorAPI.allocationRelease, ConductorAPI.UUIDArg(uuid))
    }

    func destroyed(_ uuid: UUID) async throws {
        _ = try await db.call(ConductorAPI.instanceDestroy, ConductorAPI.UUIDArg(uuid))
    }

    func buildResult(node: String, success: Bool) async throws {
        _ = try await db.call(ConductorAPI.buildResult, ConductorAPI.BuildResult(node: node, success: success))
    }

    /// Bytes per `image_data` call: well under the conductor's cap and the RPC message size.
    static let imageChunk = 4 << 20

    func image(_ id: String) async throws -> ConductorAPI.ImageMeta {
        try await db.call(ConductorAPI.imageGet, ConductorAPI.ImageRef(id: id))
    }

    func imageData(_ id: String, offset: Int, length: Int) async throws -> Data {
        try await db.call(ConductorAPI.imageData, ConductorAPI.ImageChunk(id: id, offset: offset, length: length))
    }

    @discardableResult
    func uploadImage(_ u: ConductorAPI.ImageUpload) async throws -> ConductorAPI.ImageUploadResult {
        try await db.call(ConductorAPI.imageUpload, u)
    }

    func deleteImage(_ id: String) async throws {
        _ = try await db.call(ConductorAPI.imageDelete, ConductorAPI.ImageRef(id: id))
    }

    func event(_ e: ConductorAPI.ActionEvent) async throws {
        _ = try await db.call(ConductorAPI.actionEvent, e)
    }
}

extension Error {
    /// The instance is gone or another operation took it over (deleted during a build).
    var isInstanceGone: Bool {
        guard let r = self as? RemoteError else { return false }
        return r.type == ConductorAPI.instanceNotFound || r.type == ConductorAPI.unexpectedTaskState
    }
}
