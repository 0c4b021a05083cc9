import Foundation
import GRDB

/// What the metadata service and config drive read beyond the instance row.
extension NimbusStore {
    /// Ports holding `ip` as a fixed address: the metadata service finds a guest by its source address.
    public func ports(fixedIP ip: String) async throws -> [PortRecord] {
        try await ports(where: "p.id IN (SELECT port_id FROM ip_allocations WHERE ip_address = ?)", [ip])
    }

    /// The ports bound to a device (an instance's ports: `device_id` = its uuid).
    public func ports(deviceID: String) async throws -> [PortRecord] {
        try await ports(where: "p.device_id = ?", [deviceID])
    }

    /// The password the guest posted to the metadata service, or nil.
    public func instancePassword(_ uuid: UUID) async throws -> String? {
        try await db.read { db in
            try String.fetchOne(db, sql: "SELECT password FROM instance_passwords WHERE instance_uuid = ?",
                                arguments: [uuid.db])
        }
    }

    /// Stores the guest's password once (Nova answers 409 to a second POST); false when one is already set.
    public func setInstancePasswordOnce(_ uuid: UUID, _ password: String) async throws -> Bool {
        try await db.write { db in
            try db.execute(sql: """
                INSERT INTO instance_passwords (instance_uuid, password, created_at) VALUES (?, ?, ?)
                ON CONFLICT (instance_uuid) DO NOTHING
                """, arguments: [uuid.db, password, Date().dbValue])
            return db.changesCount == 1
        }
    }

    /// Clears the password (`DELETE /servers/{id}/os-server-password`); the guest may then post a new one.
    public func clearInstancePassword(_ uuid: UUID) async throws {
        try await db.write { db in
            try db.execute(sql: "DELETE FROM instance_passwords WHERE instance_uuid = ?", arguments: [uuid.db])
        }
    }

    /// Whether the instance was asked for a config drive (`config_drive: true` or `force_config_drive`).
    public func configDrive(_ uuid: UUID) async throws -> Bool {
        try await db.read { db in
            try Bool.fetchOne(db, sql: "SELECT config_drive FROM instances WHERE uuid = ?", arguments: [uuid.db]) ?? false
        }
    }

    public func setConfigDrive(_ uuid: UUID, _ on: Bool) async throws {
        try await db.write { db in
            try db.execute(sql: "UPDATE instances SET config_drive = ? WHERE uuid = ?", arguments: [on, uuid.db])
        }
    }
}
