import Foundation
import GRDB
import NimbusKernel

/// A shelved server's snapshot and where it was shelved (Nova's `shelved_*` system_metadata keys).
public struct ShelveRecord: Sendable, Hashable {
    public var instanceUUID: UUID
    public var imageID: String?
    public var shelvedAt: Date
    public var shelvedHost: String?
}

extension NimbusStore {
    public func recordShelve(_ uuid: UUID, imageID: String?, host: String?) async throws {
        try await db.write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO instance_shelves (instance_uuid, image_id, shelved_at, shelved_host)
                VALUES (?, ?, ?, ?)
                """, arguments: [uuid.db, imageID, Date().dbValue, host])
        }
    }

    public func shelve(_ uuid: UUID) async throws -> ShelveRecord? {
        try await db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM instance_shelves WHERE instance_uuid = ?", arguments: [uuid.db]).map {
                ShelveRecord(instanceUUID: uuid, imageID: $0["image_id"], shelvedAt: Date(db: $0["shelved_at"]),
                             shelvedHost: $0["shelved_host"])
            }
        }
    }

    /// The snapshot is gone (unshelved, or the shelve failed): the servers that named it forget it.
    public func forgetShelveImage(_ imageID: String) async throws {
        try await db.write { db in
            try db.execute(sql: "DELETE FROM instance_shelves WHERE image_id = ?", arguments: [imageID])
        }
    }

    /// Nova's `_shelve_offload_instance` database part, in one transaction: the claim is freed and the server
    /// leaves its host (vm_state `shelved_offloaded`, no host or node), only from task `shelving_offloading`.
    public func finishShelveOffload(_ uuid: UUID) async throws -> InstanceRecord {
        try await db.write { db in
            let i = try Self.updateInstance(db, uuid, InstanceUpdate(
                vmState: .shelvedOffloaded, taskState: .some(nil), powerState: .shutdown, host: .some(nil),
                node: .some(nil), expectedTaskStates: [.shelvingOffloading]))
            _ = try Self.releaseAllocations(db, consumer: uuid)
            return i
        }
    }

    /// Shelved (not offloaded) servers with no task state shelved before `before` (Nova's
    /// `_poll_shelved_instances` with `shelved_offload_time` > 0).
    public func shelvedBefore(_ before: Date) async throws -> [InstanceRecord] {
        try await db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT i.* FROM instances i JOIN instance_shelves s ON s.instance_uuid = i.uuid
                WHERE i.deleted = 0 AND i.vm_state = 'shelved' AND i.task_state IS NULL AND s.shelved_at < ?
                """, arguments: [before.dbValue]).map(InstanceRecord.init(row:))
        }
    }
}
