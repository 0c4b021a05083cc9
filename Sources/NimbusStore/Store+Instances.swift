import Foundation
import GRDB
import NimbusKernel

extension InstanceRecord {
    init(row: Row) throws {
        func date(_ c: String) -> Date? { (row[c] as Double?).map(Date.init(db:)) }
        self.init(
            uuid: UUID(uuidString: row["uuid"])!, name: row["display_name"], projectID: row["project_id"],
            userID: row["user_id"], flavor: try JSONColumn.decode(Flavor.self, row["flavor"]),
            imageRef: row["image_ref"], vmState: VMState(rawValue: row["vm_state"]) ?? .error,
            taskState: (row["task_state"] as String?).flatMap(TaskState.init(rawValue:)),
            powerState: PowerState(rawValue: row["power_state"]) ?? .noState, host: row["host"], node: row["node"],
            availabilityZone: row["availability_zone"], reservationID: row["reservation_id"],
            launchIndex: row["launch_index"], keyName: row["key_name"],
            metadata: try JSONColumn.decode([String: String].self, row["metadata"]), userData: row["user_data"],
            createdAt: Date(db: row["created_at"]), updatedAt: date("updated_at"), launchedAt: date("launched_at"),
            terminatedAt: date("terminated_at"), deletedAt: date("deleted_at"))
    }
}

/// Filters for listing instances (`GET /servers` query parameters the store can apply).
public struct InstanceQuery: Sendable {
    public var projectID: String?
    public var host: String?
    public var name: String?
    public var vmState: VMState?
    public var includeDeleted = false
    public var limit: Int?
    public var marker: UUID?

    public init(projectID: String? = nil, host: String? = nil, name: String? = nil, vmState: VMState? = nil,
                includeDeleted: Bool = false, limit: Int? = nil, marker: UUID? = nil) {
        self.vmState = vmState
        self.projectID = projectID
        self.host = host
        self.name = name
        self.includeDeleted = includeDeleted
        self.limit = limit
        self.marker = marker
    }
}

extension NimbusStore {
    /// Creates the instance rows, their request specs and `create` actions in one transaction.
    public func createInstances(_ instances: [InstanceRecord], spec: RequestSpec, requestID: String) async throws {
        let specJSON = try JSONColumn.encode(spec)
        try await db.write { db in
            for i in instances {
                try db.cachedStatement(sql: """
                    INSERT INTO instances (uuid, display_name, project_id, user_id, flavor, image_ref, vm_state,
                      task_state, power_state, host, node, availability_zone, reservation_id, launch_index, key_name,
                      metadata, user_data, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [i.uuid.db, i.name, i.projectID, i.userID, try JSONColumn.encode(i.flavor),
                                     i.imageRef, i.vmState.rawValue, i.taskState?.rawValue, i.powerState.rawValue,
                                     i.host, i.node, i.availabilityZone, i.reservationID, i.launchIndex, i.keyName,
                                     try JSONColumn.encode(i.metadata), i.userData, i.createdAt.dbValue,
                                     i.createdAt.dbValue])
                try db.cachedStatement(sql: "INSERT INTO request_specs (instance_uuid, spec) VALUES (?, ?)").execute(arguments: [i.uuid.db, specJSON])
                try db.cachedStatement(sql: """
                    INSERT INTO instance_actions (instance_uuid, action, request_id, user_id, project_id, start_time)
                    VALUES (?, 'create', ?, ?, ?, ?)
                    """).execute(arguments: [i.uuid.db, requestID, i.userID, i.projectID, i.createdAt.dbValue])
            }
        }
    }

    /// A live (not deleted) instance, or nil.
    public func instance(_ uuid: UUID) async throws -> InstanceRecord? {
        try await db.read { db in
            try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM instances WHERE uuid = ? AND deleted = 0"), arguments: [uuid.db])
                .map(InstanceRecord.init(row:))
        }
    }

    public func instances(_ q: InstanceQuery = InstanceQuery()) async throws -> [InstanceRecord] {
        try await db.read { db in
            var sql = "SELECT * FROM instances WHERE 1 = 1"
            var args: [any DatabaseValueConvertible] = []
            if !q.includeDeleted { sql += " AND deleted = 0" }
            if let p = q.projectID { sql += " AND project_id = ?"; args.append(p) }
            if let h = q.host { sql += " AND host = ?"; args.append(h) }
            if let n = q.name { sql += " AND display_name = ?"; args.append(n) }
            if let v = q.vmState { sql += " AND vm_state = ?"; args.append(v.rawValue) }
            if let m = q.marker {
                // Newest first, as Nova sorts by created_at desc, id desc; the marker row bounds the page.
                guard let row = try Row.fetchOne(try db.cachedStatement(sql: "SELECT created_at FROM instances WHERE uuid = ?"), arguments: [m.db]) else {
                    throw StoreError.notFound(kind: "marker", id: m.db)
                }
                sql += " AND (created_at < ? OR (created_at = ? AND uuid < ?))"
                args += [row["created_at"] as Double, row["created_at"] as Double, m.db]
            }
            sql += " ORDER BY created_at DESC, uuid DESC"
            if let l = q.limit { sql += " LIMIT ?"; args.append(l) }
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map(InstanceRecord.init(row:))
        }
    }

    /// Applies an update, honouring `expectedTaskStates` the way Nova's `instance.save(expected_task_state=…)`
    /// does: a mismatch throws and writes nothing. `expectedVMStates` guards the vm_state the API checked too, so
    /// an action that finished between the check and this write cannot let a second conflicting one through.
    @discardableResult
    public func updateInstance(_ uuid: UUID, _ update: InstanceUpdate,
                               expectedVMStates: [VMState]? = nil) async throws -> InstanceRecord {
        try await db.write { db in
            if let vms = expectedVMStates,
               let vm = try String.fetchOne(db, sql: "SELECT vm_state FROM instances WHERE uuid = ? AND deleted = 0",
                                            arguments: [uuid.db]),
               !vms.map(\.rawValue).contains(vm) {
                throw StoreError.unexpectedVMState(instance: uuid, actual: vm)
            }
            return try Self.updateInstance(db, uuid, update)
        }
    }

    /// The update inside the caller's write transaction (a migration step writes it with its own rows).
    static func updateInstance(_ db: Database, _ uuid: UUID, _ update: InstanceUpdate) throws -> InstanceRecord {
        guard let row = try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM instances WHERE uuid = ? AND deleted = 0"), arguments: [uuid.db])
        else { throw StoreError.notFound(kind: "Instance", id: uuid.db) }
        var i = try InstanceRecord(row: row)
        if let expected = update.expectedTaskStates, !expected.contains(i.taskState) {
            throw StoreError.unexpectedTaskState(instance: uuid, actual: i.taskState?.rawValue,
                                                 expected: expected.map { $0?.rawValue })
        }
        let before = i.taskState
        update.apply(to: &i)
        // Back to `scheduling` is a compute handing a failed build back for a reschedule: only a build may be
        // (a late hand-back of a build already failed must not revive it), and nobody owns it until a
        // conductor takes the reschedule cast (see transferBuilds).
        let handBack = i.taskState == .scheduling && before != .scheduling
        let now = Date().dbValue
        if handBack, i.vmState != .building {
            throw StoreError.unexpectedTaskState(instance: uuid, actual: before?.rawValue,
                                                 expected: [TaskState.scheduling.rawValue])
        }
        try db.cachedStatement(sql: """
            UPDATE instances SET vm_state = ?, task_state = ?, power_state = ?, host = ?, node = ?,
              launched_at = ?, terminated_at = ?, updated_at = ?,
              build_owner = CASE WHEN ? THEN NULL ELSE build_owner END,
              build_owner_since = CASE WHEN ? THEN ? ELSE build_owner_since END
            WHERE uuid = ? AND deleted = 0 AND task_state IS ?
            """).execute(arguments: [i.vmState.rawValue, i.taskState?.rawValue, i.powerState.rawValue, i.host, i.node,
                             i.launchedAt?.dbValue, i.terminatedAt?.dbValue, now, handBack, handBack, now, uuid.db,
                             before?.rawValue])
        // The write itself is conditional on the task state read above (Nova's `expected_task_state` is a
        // WHERE clause too), so the guard holds even for a writer outside this process's serial queue.
        guard db.changesCount == 1 else {
            throw StoreError.unexpectedTaskState(instance: uuid, actual: nil,
                                                 expected: update.expectedTaskStates?.map { $0?.rawValue } ?? [])
        }
        return i
    }

    /// Marks an instance deleted (Nova soft-deletes the row; `GET` then answers 404) and frees its allocations, in
    /// one transaction: a crash between the two left a deleted instance holding its claim for good.
    public func markDeleted(_ uuid: UUID) async throws {
        try await db.write { db in
            let now = Date().dbValue
            try db.cachedStatement(sql: """
                UPDATE instances SET vm_state = 'deleted', task_state = NULL, power_state = 0, deleted = 1,
                  deleted_at = ?, terminated_at = COALESCE(terminated_at, ?), updated_at = ? WHERE uuid = ?
                """).execute(arguments: [now, now, now, uuid.db])
            try Self.releaseAllocations(db, consumer: uuid)
            try Self.releaseMoveAllocations(db, instance: uuid)
        }
    }

    /// Live instances in task `deleting` not written since `before`: a delete whose compute or conductor died on
    /// the way (the conductor's recovery finishes them).
    public func stalledDeletes(before: Date) async throws -> [InstanceRecord] {
        try await db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM instances WHERE deleted = 0 AND task_state = 'deleting' AND COALESCE(updated_at, created_at) < ?
                """, arguments: [before.dbValue]).map(InstanceRecord.init(row:))
        }
    }

    public func requestSpec(_ uuid: UUID) async throws -> RequestSpec? {
        try await db.read { db in
            try String.fetchOne(try db.cachedStatement(sql: "SELECT spec FROM request_specs WHERE instance_uuid = ?"), arguments: [uuid.db])
                .map { try JSONColumn.decode(RequestSpec.self, $0) }
        }
    }

    // MARK: faults

    public func addFault(_ f: InstanceFault) async throws {
        try await db.write { db in
            try db.cachedStatement(sql: """
                INSERT INTO instance_faults (instance_uuid, code, message, details, host, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """).execute(arguments: [f.instanceUUID.db, f.code, f.message, f.details, f.host, f.createdAt.dbValue])
        }
    }

    /// The newest fault of each of these instances (those without a fault are absent), in one query:
    /// `GET /servers/detail` asked once per server before. The uuids go in as one JSON array, so the statement
    /// is compiled once per connection rather than once per page with a placeholder per server.
    public func latestFaults(_ uuids: [UUID]) async throws -> [UUID: InstanceFault] {
        guard !uuids.isEmpty else { return [:] }
        let list = try JSONColumn.encode(uuids.map(\.db))
        return try await db.read { db in
            var out: [UUID: InstanceFault] = [:]
            out.reserveCapacity(uuids.count)
            let rows = try Row.fetchCursor(try db.cachedStatement(sql: """
                SELECT f.instance_uuid, f.code, f.message, f.details, f.host, f.created_at FROM instance_faults f
                JOIN (SELECT MAX(id) AS id FROM instance_faults
                      WHERE instance_uuid IN (SELECT value FROM json_each(?))
                      GROUP BY instance_uuid) newest ON newest.id = f.id
                """), arguments: [list])
            while let r = try rows.next() {
                let uuid = Self.fastUUID(r[0])
                out[uuid] = InstanceFault(instanceUUID: uuid, code: r[1], message: r[2], details: r[3], host: r[4],
                                          createdAt: Date(db: r[5]))
            }
            return out
        }
    }

    /// The newest fault of an instance (what `GET /servers/{id}` shows as `fault`).
    public func latestFault(_ uuid: UUID) async throws -> InstanceFault? {
        try await db.read { db in
            try Row.fetchOne(try db.cachedStatement(sql: """
                SELECT * FROM instance_faults WHERE instance_uuid = ? ORDER BY id DESC LIMIT 1
                """), arguments: [uuid.db]).map {
                InstanceFault(instanceUUID: uuid, code: $0["code"], message: $0["message"], details: $0["details"],
                              host: $0["host"], createdAt: Date(db: $0["created_at"]))
            }
        }
    }
}
