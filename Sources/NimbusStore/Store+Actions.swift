import Foundation
import GRDB
import NimbusKernel

/// One instance action (`openstack server event list`) with its events.
public struct InstanceAction: Codable, Sendable, Hashable {
    public struct Event: Codable, Sendable, Hashable {
        public var event: String
        public var startTime: Date
        public var finishTime: Date?
        public var result: String?
        public var host: String?
        public var traceback: String?
    }

    public var instanceUUID: UUID
    public var action: String
    public var requestID: String
    public var userID: String?
    public var projectID: String?
    public var startTime: Date
    public var message: String?
    public var events: [Event]
}

extension NimbusStore {
    /// Starts an action (e.g. `delete`, `reboot`) for an API request.
    public func startAction(_ instance: UUID, action: String, requestID: String, userID: String?,
                            projectID: String?) async throws {
        try await db.write { db in
            try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO instance_actions (instance_uuid, action, request_id, user_id, project_id, start_time)
                VALUES (?, ?, ?, ?, ?, ?)
                """).execute(arguments: [instance.db, action, requestID, userID, projectID, Date().dbValue])
        }
    }

    /// Records an event of the action started by `requestID` (e.g. `compute__do_build_and_run_instance`).
    public func recordEvent(_ instance: UUID, requestID: String, event: String, host: String?, start: Date,
                            finish: Date, result: String, traceback: String? = nil) async throws {
        try await db.write { db in
            guard let actionID = try Int64.fetchOne(try db.cachedStatement(sql: """
                SELECT id FROM instance_actions WHERE instance_uuid = ? AND request_id = ?
                """), arguments: [instance.db, requestID]) else { return }
            try db.cachedStatement(sql: """
                INSERT INTO instance_action_events (action_id, event, start_time, finish_time, result, traceback, host)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [actionID, event, start.dbValue, finish.dbValue, result, traceback, host])
            if result == "Error" {
                try db.cachedStatement(sql: "UPDATE instance_actions SET message = 'Error' WHERE id = ?").execute(arguments: [actionID])
            }
        }
    }

    public func actions(_ instance: UUID) async throws -> [InstanceAction] {
        try await db.read { db in
            try Row.fetchAll(try db.cachedStatement(sql: """
                SELECT * FROM instance_actions WHERE instance_uuid = ? ORDER BY start_time DESC, id DESC
                """), arguments: [instance.db]).map { a in
                let events = try Row.fetchAll(try db.cachedStatement(sql: """
                    SELECT * FROM instance_action_events WHERE action_id = ? ORDER BY id
                    """), arguments: [a["id"] as Int64]).map { e in
                    InstanceAction.Event(
                        event: e["event"], startTime: Date(db: e["start_time"]),
                        finishTime: (e["finish_time"] as Double?).map(Date.init(db:)), result: e["result"],
                        host: e["host"], traceback: e["traceback"])
                }
                return InstanceAction(instanceUUID: instance, action: a["action"], requestID: a["request_id"],
                                      userID: a["user_id"], projectID: a["project_id"],
                                      startTime: Date(db: a["start_time"]), message: a["message"], events: events)
            }
        }
    }
}
