import Foundation
import GRDB
import NimbusKernel

/// A build that has not reached a host yet (`building`, task `scheduling`, no host), with who drives it.
public struct PendingBuild: Sendable, Hashable {
    public var uuid: UUID
    /// `conductor:<incarnation>`, `compute:<host>`, or nil while a cast to the conductor topic is in flight.
    public var owner: String?
    /// When the owner last changed (for a build nobody ever took, when it was created).
    public var since: Date
}

/// A live conductor process (one row per process start, not per host: a restart is a new owner).
public struct ConductorIncarnation: Sendable, Hashable {
    public var id: UUID
    public var host: String
    public var lastSeenUp: Date
}

extension NimbusStore {
    public static func conductorOwner(_ incarnation: UUID) -> String { "conductor:\(incarnation.db)" }
    public static func computeOwner(_ host: String) -> String { "compute:\(host)" }

    // MARK: conductor incarnations

    public func registerConductor(_ id: UUID, host: String, at now: Date = Date()) async throws {
        try await db.write { db in
            try db.execute(sql: """
                INSERT INTO conductor_incarnations (id, host, started_at, last_seen_up) VALUES (?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET last_seen_up = excluded.last_seen_up
                """, arguments: [id.db, host, now.dbValue, now.dbValue])
        }
    }

    public func conductorHeartbeat(_ id: UUID, at now: Date = Date()) async throws {
        try await db.write { db in
            try db.execute(sql: "UPDATE conductor_incarnations SET last_seen_up = ? WHERE id = ?",
                           arguments: [now.dbValue, id.db])
        }
    }

    /// Incarnations seen within `downTime`; older rows are dropped (their builds are orphaned either way).
    public func liveConductors(downTime: Double, now: Date = Date()) async throws -> [ConductorIncarnation] {
        try await db.write { db in
            // Kept for a while after they go down, for operators reading the table; pruned after 10 × downTime.
            try db.execute(sql: "DELETE FROM conductor_incarnations WHERE last_seen_up < ?",
                           arguments: [now.dbValue - 10 * downTime])
            return try Row.fetchAll(db, sql: "SELECT id, host, last_seen_up FROM conductor_incarnations WHERE last_seen_up >= ?",
                                    arguments: [now.dbValue - downTime])
                .compactMap { r in
                    UUID(uuidString: r[0]).map { ConductorIncarnation(id: $0, host: r[1], lastSeenUp: Date(db: r[2])) }
                }
        }
    }

    // MARK: build ownership

    static let pendingBuildSQL = "deleted = 0 AND vm_state = 'building' AND task_state = 'scheduling' AND host IS NULL"

    /// Builds not on a host yet, with their owners.
    public func pendingBuilds() async throws -> [PendingBuild] {
        try await db.read { db in
            try Row.fetchAll(db, sql: "SELECT uuid, build_owner, COALESCE(build_owner_since, created_at) FROM instances WHERE \(Self.pendingBuildSQL)")
                .map { PendingBuild(uuid: Self.fastUUID($0[0]), owner: $0[1], since: Date(db: $0[2])) }
        }
    }

    /// Moves builds from owner `from` (nil: nobody) to `to`, only while they are still pending; returns the ones
    /// moved. This compare-and-set is what lets several conductors share the store: a build is driven by
    /// whoever moved it last, and a late or duplicate message finds it owned by someone else and stops.
    @discardableResult
    public func transferBuilds(_ uuids: [UUID], from: String?, to: String?) async throws -> Set<UUID> {
        guard !uuids.isEmpty else { return [] }
        return try await db.write { db in
            var moved = Set<UUID>()
            let now = Date().dbValue
            for uuid in uuids {
                try db.cachedStatement(sql: """
                    UPDATE instances SET build_owner = ?, build_owner_since = ?
                    WHERE uuid = ? AND build_owner IS ? AND \(Self.pendingBuildSQL)
                    """).execute(arguments: [to, now, uuid.db, from])
                if db.changesCount == 1 { moved.insert(uuid) }
            }
            return moved
        }
    }

    /// Which instances `failInstance` may fail: it re-checks inside its write, so a build that moved on since
    /// the caller looked (started, finished, taken by another conductor) is left alone.
    public enum FailCondition: Sendable, Hashable {
        /// A build not on a host yet, driven by this owner (nil: nobody).
        case pending(owner: String?)
        /// A build its compute took (`building` on this host).
        case buildingOn(host: String)
    }

    /// Puts an instance in ERROR with a fault, in one transaction, and applies Nova's allocation rule: an instance
    /// that never reached a host (no node) holds nothing, so its allocations go; one that failed on a host keeps
    /// them until it is deleted (its host still counts it, as `running_vms` does). Returns false, writing nothing,
    /// when the instance is gone or `condition` no longer holds.
    @discardableResult
    public func failInstance(_ fault: InstanceFault, when condition: FailCondition) async throws -> Bool {
        let uuid = fault.instanceUUID
        return try await db.write { db in
            var sql = "SELECT node FROM instances WHERE uuid = ? AND deleted = 0"
            var args: [any DatabaseValueConvertible] = [uuid.db]
            switch condition {
            case .pending(let owner):
                sql += " AND build_owner IS ? AND \(Self.pendingBuildSQL)"
                args.append(owner)
            case .buildingOn(let host):
                sql += " AND vm_state = 'building' AND host = ?"
                args.append(host)
            }
            guard let row = try Row.fetchOne(db, sql: sql, arguments: StatementArguments(args)) else { return false }
            let now = Date().dbValue
            try db.execute(sql: "UPDATE instances SET vm_state = 'error', task_state = NULL, updated_at = ? WHERE uuid = ?",
                           arguments: [now, uuid.db])
            try db.execute(sql: """
                INSERT INTO instance_faults (instance_uuid, code, message, details, host, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [uuid.db, fault.code, fault.message, fault.details, fault.host, fault.createdAt.dbValue])
            if (row[0] as String?) == nil { try Self.releaseAllocations(db, consumer: uuid) }
            return true
        }
    }
}
