import Foundation
import GRDB
import NimbusKernel

/// Soft delete (`[DEFAULT] reclaim_instance_interval` > 0): the row stays live (`deleted = 0`, so the server is
/// listed and keeps its claim and quota usage) with `deleted_at` stamped, until restored or reclaimed.
extension NimbusStore {
    /// Nova's `_do_soft_delete`: task `soft-deleting` and `deleted_at` now, in one write.
    public func beginSoftDelete(_ uuid: UUID) async throws -> InstanceRecord {
        try await db.write { db in
            var i = try Self.updateInstance(db, uuid, InstanceUpdate(taskState: .some(.softDeleting)))
            let now = Date()
            try db.execute(sql: "UPDATE instances SET deleted_at = ? WHERE uuid = ? AND deleted = 0",
                           arguments: [now.dbValue, uuid.db])
            i.deletedAt = now
            return i
        }
    }

    /// `restore`: only a soft-deleted server with no task state (a racing restore or reclaim loses with
    /// `unexpectedTaskState`); `deleted_at` is cleared. With a host the compute powers it on (task `restoring`);
    /// without one the API restores it directly (vm_state active).
    public func beginRestore(_ uuid: UUID, onHost: Bool) async throws -> InstanceRecord {
        try await db.write { db in
            let update = onHost
                ? InstanceUpdate(taskState: .some(.restoring), expectedTaskStates: [nil])
                : InstanceUpdate(vmState: .active, taskState: .some(nil), expectedTaskStates: [nil])
            guard let state = try String.fetchOne(db, sql: "SELECT vm_state FROM instances WHERE uuid = ? AND deleted = 0",
                                                  arguments: [uuid.db]) else {
                throw StoreError.notFound(kind: "Instance", id: uuid.db)
            }
            guard state == VMState.softDeleted.rawValue else {
                throw StoreError.conflict("Cannot 'restore' instance \(uuid.lowercasedString) while it is in vm_state \(state)")
            }
            var i = try Self.updateInstance(db, uuid, update)
            try db.execute(sql: "UPDATE instances SET deleted_at = NULL WHERE uuid = ?", arguments: [uuid.db])
            i.deletedAt = nil
            return i
        }
    }

    /// Soft-deleted servers with no task state whose `deleted_at` is before `before` (Nova's
    /// `_reclaim_queued_deletes` query).
    public func reclaimable(before: Date) async throws -> [InstanceRecord] {
        try await db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM instances WHERE deleted = 0 AND vm_state = 'soft-delete' AND task_state IS NULL
                  AND deleted_at < ?
                """, arguments: [before.dbValue]).map(InstanceRecord.init(row:))
        }
    }
}

extension NimbusStore {
    /// Takes a soft-deleted server for reclaim (task `deleting`) if it is still soft-deleted with no task state:
    /// a restore that got there first wins. Nil when it did.
    public func beginReclaim(_ uuid: UUID) async throws -> InstanceRecord? {
        try await db.write { db in
            guard try Bool.fetchOne(db, sql: """
                SELECT 1 FROM instances WHERE uuid = ? AND deleted = 0 AND vm_state = 'soft-delete' AND task_state IS NULL
                """, arguments: [uuid.db]) ?? false else { return nil }
            return try Self.updateInstance(db, uuid, InstanceUpdate(taskState: .some(.deleting), expectedTaskStates: [nil]))
        }
    }
}
