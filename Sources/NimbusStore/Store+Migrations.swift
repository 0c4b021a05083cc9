import Foundation
import GRDB
import NimbusKernel

extension MigrationRecord {
    init(row: Row) throws {
        self.init(id: row["id"], uuid: UUID(uuidString: row["uuid"]) ?? UUID(),
                  instanceUUID: UUID(uuidString: row["instance_uuid"]) ?? UUID(),
                  kind: Kind(rawValue: row["migration_type"]) ?? .migration, status: row["status"],
                  sourceCompute: row["source_compute"], sourceNode: row["source_node"], destCompute: row["dest_compute"],
                  destNode: row["dest_node"], destHost: row["dest_host"],
                  oldFlavor: try JSONColumn.decode(Flavor.self, row["old_flavor"]),
                  newFlavor: try JSONColumn.decode(Flavor.self, row["new_flavor"]),
                  oldVMState: VMState(rawValue: row["old_vm_state"]) ?? .active, projectID: row["project_id"],
                  userID: row["user_id"], createdAt: Date(db: row["created_at"]),
                  updatedAt: (row["updated_at"] as Double?).map(Date.init(db:)))
    }
}

/// Filters of `GET /os-migrations`.
public struct MigrationQuery: Sendable {
    public var instanceUUID: UUID?
    public var host: String?
    public var status: String?
    public var kind: String?
    public var projectID: String?
    public var limit: Int?
    public init(instanceUUID: UUID? = nil, host: String? = nil, status: String? = nil, kind: String? = nil,
                projectID: String? = nil, limit: Int? = nil) {
        self.instanceUUID = instanceUUID
        self.host = host
        self.status = status
        self.kind = kind
        self.projectID = projectID
        self.limit = limit
    }
}

/// Migration records and the allocation moves of a resize (Nova's conductor `replace_allocation_with_migration`,
/// `drop_move_claim_at_source`, `revert_allocation_for_migration`), each step in one transaction so a daemon
/// dying between two steps leaves either the old or the new state, never a half-moved claim.
extension NimbusStore {
    /// A move still in flight (alias `mg`): its two consumers' allocations are the move's, not leaks (the
    /// allocation audit leaves them alone; the conductor's move sweeper settles a stalled one).
    static let openMigrationSQL = """
        mg.status NOT IN ('confirmed', 'reverted', 'error', 'failed', 'completed', 'cancelled', 'done')
        """

    /// Creates the migration and moves the instance's source allocation to the migration's consumer, in one
    /// transaction, only while the instance is still in `expectedTaskState` (so a delete meanwhile wins).
    public func startMigration(_ m: MigrationRecord, expectedTaskState: TaskState) async throws -> MigrationRecord {
        try await db.write { db in
            let state = try String.fetchOne(db, sql: "SELECT task_state FROM instances WHERE uuid = ? AND deleted = 0",
                                             arguments: [m.instanceUUID.db])
            guard state == expectedTaskState.rawValue else {
                throw StoreError.unexpectedTaskState(instance: m.instanceUUID, actual: state,
                                                     expected: [expectedTaskState.rawValue])
            }
            try db.execute(sql: """
                INSERT INTO migrations (uuid, instance_uuid, migration_type, status, source_compute, source_node,
                  dest_compute, dest_node, dest_host, old_flavor, new_flavor, old_vm_state, project_id, user_id,
                  created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [m.uuid.db, m.instanceUUID.db, m.kind.rawValue, m.status, m.sourceCompute,
                                 m.sourceNode, m.destCompute, m.destNode, m.destHost, try JSONColumn.encode(m.oldFlavor),
                                 try JSONColumn.encode(m.newFlavor), m.oldVMState.rawValue, m.projectID, m.userID,
                                 m.createdAt.dbValue, m.createdAt.dbValue])
            try db.execute(sql: "UPDATE allocations SET consumer_uuid = ? WHERE consumer_uuid = ?",
                           arguments: [m.uuid.db, m.instanceUUID.db])
            var out = m
            out.id = Int(db.lastInsertedRowID)
            return out
        }
    }

    /// Applies one step: the migration's status (only from `expectedStatuses`), the instance update and flavor,
    /// and the allocation move, all or nothing. Returns the migration and instance as written.
    @discardableResult
    public func applyMigrationStep(_ s: MigrationStep) async throws -> (MigrationRecord, InstanceRecord) {
        try await db.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM migrations WHERE uuid = ?",
                                             arguments: [s.migrationUUID.db])
            else { throw StoreError.notFound(kind: "Migration", id: s.migrationUUID.db) }
            var m = try MigrationRecord(row: row)
            guard s.expectedStatuses.contains(m.status) else {
                throw StoreError.conflict("Migration \(m.uuid.db) is \(m.status), expected one of \(s.expectedStatuses)")
            }
            m.status = s.status
            m.destCompute = s.destCompute ?? m.destCompute
            m.destNode = s.destNode ?? m.destNode
            m.destHost = s.destHost ?? m.destHost
            m.updatedAt = Date()
            try db.execute(sql: """
                UPDATE migrations SET status = ?, dest_compute = ?, dest_node = ?, dest_host = ?, updated_at = ?
                WHERE uuid = ?
                """, arguments: [m.status, m.destCompute, m.destNode, m.destHost, m.updatedAt?.dbValue, m.uuid.db])
            if let f = s.flavor {
                try db.execute(sql: "UPDATE instances SET flavor = ? WHERE uuid = ?",
                               arguments: [try JSONColumn.encode(f), m.instanceUUID.db])
            }
            switch s.allocations {
            case .keep: break
            case .dropSource:
                try Self.releaseAllocations(db, consumer: m.uuid)
            case .restoreSource:
                try Self.releaseAllocations(db, consumer: m.instanceUUID)
                try db.execute(sql: "UPDATE allocations SET consumer_uuid = ? WHERE consumer_uuid = ?",
                               arguments: [m.instanceUUID.db, m.uuid.db])
            }
            let i: InstanceRecord
            if let u = s.instance {
                i = try Self.updateInstance(db, m.instanceUUID, u)
            } else {
                guard let r = try Row.fetchOne(db, sql: "SELECT * FROM instances WHERE uuid = ? AND deleted = 0",
                                               arguments: [m.instanceUUID.db])
                else { throw StoreError.notFound(kind: "Instance", id: m.instanceUUID.db) }
                i = try InstanceRecord(row: r)
            }
            return (m, i)
        }
    }

    /// A deleted instance's moves end: their source allocations are freed and unfinished records marked
    /// `error` (inside the delete's own transaction). A `done` evacuation still holds its dead source's claim
    /// until that compute returns: freed too (Nova deletes the whole consumer), the record left `done` for the
    /// source's cleanup of its guest.
    static func releaseMoveAllocations(_ db: Database, instance: UUID) throws {
        let open = try String.fetchAll(db, sql: """
            SELECT uuid FROM migrations WHERE instance_uuid = ? AND (status NOT IN
              ('confirmed', 'reverted', 'error', 'failed', 'completed', 'cancelled', 'done')
              OR (migration_type = 'evacuation' AND status = 'done'))
            """, arguments: [instance.db])
        for m in open {
            guard let id = UUID(uuidString: m) else { continue }
            try releaseAllocations(db, consumer: id)
        }
        try db.execute(sql: """
            UPDATE migrations SET status = 'error', updated_at = ? WHERE instance_uuid = ? AND status NOT IN
              ('confirmed', 'reverted', 'error', 'failed', 'completed', 'cancelled', 'done')
            """, arguments: [Date().dbValue, instance.db])
    }

    public func migration(_ uuid: UUID) async throws -> MigrationRecord? {
        try await db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM migrations WHERE uuid = ?", arguments: [uuid.db])
                .map(MigrationRecord.init(row:))
        }
    }

    /// Newest first, as Nova lists them.
    public func migrations(_ q: MigrationQuery) async throws -> [MigrationRecord] {
        try await db.read { db in
            var sql = "SELECT * FROM migrations WHERE 1 = 1"
            var args: [any DatabaseValueConvertible] = []
            if let i = q.instanceUUID { sql += " AND instance_uuid = ?"; args.append(i.db) }
            if let h = q.host { sql += " AND (source_compute = ? OR dest_compute = ?)"; args += [h, h] }
            if let s = q.status { sql += " AND status = ?"; args.append(s) }
            if let k = q.kind { sql += " AND migration_type = ?"; args.append(k) }
            if let p = q.projectID { sql += " AND project_id = ?"; args.append(p) }
            sql += " ORDER BY created_at DESC, id DESC"
            if let l = q.limit { sql += " LIMIT ?"; args.append(l) }
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map(MigrationRecord.init(row:))
        }
    }

    /// The instance's resize waiting for confirmation (`finished`), if any (Nova's
    /// `Migration.get_by_instance_and_status(…, 'finished')`).
    public func finishedMigration(instance: UUID) async throws -> MigrationRecord? {
        try await migrations(MigrationQuery(instanceUUID: instance, status: "finished", limit: 1)).first
    }

    /// `finished` migrations last written before `before` (the auto-confirm periodic task's candidates).
    public func unconfirmedMigrations(before: Date, destCompute: String? = nil) async throws -> [MigrationRecord] {
        try await db.read { db in
            var sql = "SELECT * FROM migrations WHERE status = 'finished' AND COALESCE(updated_at, created_at) < ?"
            var args: [any DatabaseValueConvertible] = [before.dbValue]
            if let d = destCompute { sql += " AND dest_compute = ?"; args.append(d) }
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map(MigrationRecord.init(row:))
        }
    }

    /// Moves in flight (not `finished`, which waits for the user) last written before `before`: their daemon
    /// died between two steps.
    public func stalledMigrations(before: Date) async throws -> [MigrationRecord] {
        try await db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM migrations mg WHERE \(Self.openMigrationSQL) AND status != 'finished'
                  AND COALESCE(updated_at, created_at) < ?
                """, arguments: [before.dbValue]).map(MigrationRecord.init(row:))
        }
    }
}
