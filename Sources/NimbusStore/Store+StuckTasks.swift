import Foundation
import GRDB

/// An instance that has kept a task_state since `since` (`nimbus manage audit`).
public struct StuckTask: Sendable, Hashable {
    public var instance: UUID
    public var taskState: String
    public var vmState: String
    public var since: Date
}

extension NimbusStore {
    /// Live instances whose task_state has not changed since before `before` (the row's last update), oldest
    /// first. Every action ends its task_state, and the conductor's sweepers end those a dead daemon left, so
    /// one that lasts longer than any action or sweep is stuck.
    public func instancesInTaskState(before: Date) async throws -> [StuckTask] {
        try await db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT uuid, task_state, vm_state, COALESCE(updated_at, created_at) AS since FROM instances
                WHERE deleted = 0 AND task_state IS NOT NULL AND COALESCE(updated_at, created_at) < ?
                ORDER BY since
                """, arguments: [before.dbValue]).compactMap { r in
                guard let id = UUID(uuidString: r["uuid"]) else { return nil }
                return StuckTask(instance: id, taskState: r["task_state"], vmState: r["vm_state"],
                                 since: Date(db: r["since"]))
            }
        }
    }
}
