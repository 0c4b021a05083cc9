import Foundation
import GRDB
import NimbusKernel

/// What a rebuild changes on the server, besides the task state.
public struct RebuildChanges: Sendable {
    public var imageRef: String
    public var name: String?
    public var metadata: [String: String]?
    /// `.some(nil)` removes the key (2.54 `key_name: null`).
    public var keyName: String??
    public var userData: String??
    public var hostname: String?
    public var description: String??
    public var accessIPv4: String?
    public var accessIPv6: String?

    public init(imageRef: String, name: String? = nil, metadata: [String: String]? = nil, keyName: String?? = nil,
                userData: String?? = nil, hostname: String? = nil, description: String?? = nil,
                accessIPv4: String? = nil, accessIPv6: String? = nil) {
        self.imageRef = imageRef
        self.name = name
        self.metadata = metadata
        self.keyName = keyName
        self.userData = userData
        self.hostname = hostname
        self.description = description
        self.accessIPv4 = accessIPv4
        self.accessIPv6 = accessIPv6
    }
}

extension NimbusStore {
    /// Starts a rebuild: task `rebuilding` only from no task state (racing requests: one wins) and the new image,
    /// name, metadata, key and user data, in one transaction.
    public func startRebuild(_ uuid: UUID, _ c: RebuildChanges) async throws -> InstanceRecord {
        try await db.write { db in
            _ = try Self.updateInstance(db, uuid, InstanceUpdate(taskState: .some(.rebuilding), expectedTaskStates: [nil]))
            var sets = ["image_ref = ?"]
            var args: [any DatabaseValueConvertible] = [c.imageRef]
            func set(_ column: String, _ v: (any DatabaseValueConvertible)?) {
                sets.append("\(column) = ?")
                args.append(v ?? DatabaseValue.null)
            }
            if let n = c.name { set("display_name", n) }
            if let m = c.metadata { set("metadata", try JSONColumn.encode(m)) }
            if let k = c.keyName { set("key_name", k) }
            if let u = c.userData { set("user_data", u) }
            if let h = c.hostname { set("hostname", h) }
            if let d = c.description { set("description", d) }
            if let v4 = c.accessIPv4 { set("access_ip_v4", v4) }
            if let v6 = c.accessIPv6 { set("access_ip_v6", v6) }
            args.append(uuid.db)
            try db.execute(sql: "UPDATE instances SET \(sets.joined(separator: ", ")) WHERE uuid = ?",
                           arguments: StatementArguments(args))
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM instances WHERE uuid = ?", arguments: [uuid.db]) else {
                throw StoreError.notFound(kind: "Instance", id: uuid.db)
            }
            return try InstanceRecord(row: row)
        }
    }
}
