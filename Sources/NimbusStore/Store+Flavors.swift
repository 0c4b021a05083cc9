import Foundation
import GRDB
import NimbusKernel

extension Flavor {
    init(row: Row) throws {
        self.init(
            id: row["id"], name: row["name"], memoryMB: row["memory_mb"], vcpus: row["vcpus"], rootGB: row["root_gb"],
            ephemeralGB: row["ephemeral_gb"], swapMB: row["swap"], rxtxFactor: row["rxtx_factor"],
            isPublic: row["is_public"], disabled: row["disabled"], description: row["description"],
            extraSpecs: try JSONColumn.decode([String: String].self, row["extra_specs"]))
    }
}

extension NimbusStore {
    /// Creates a flavor; a duplicate id or name is a conflict (Nova answers 409).
    public func createFlavor(_ f: Flavor) async throws -> Flavor {
        try await db.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM flavors WHERE id = ?", arguments: [f.id]) ?? false {
                throw StoreError.conflict("Flavor with ID \(f.id) already exists.")
            }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM flavors WHERE name = ?", arguments: [f.name]) ?? false {
                throw StoreError.conflict("Flavor with name \(f.name) already exists.")
            }
            try db.execute(sql: """
                INSERT INTO flavors (id, name, memory_mb, vcpus, root_gb, ephemeral_gb, swap, rxtx_factor, is_public,
                  disabled, description, extra_specs, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [f.id, f.name, f.memoryMB, f.vcpus, f.rootGB, f.ephemeralGB, f.swapMB, f.rxtxFactor,
                                 f.isPublic, f.disabled, f.description, try JSONColumn.encode(f.extraSpecs),
                                 Date().dbValue])
            return f
        }
    }

    public func flavors() async throws -> [Flavor] {
        try await db.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM flavors ORDER BY memory_mb, id").map(Flavor.init(row:))
        }
    }

    public func flavor(id: String) async throws -> Flavor? {
        try await db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM flavors WHERE id = ?", arguments: [id]).map(Flavor.init(row:))
        }
    }

    public func deleteFlavor(id: String) async throws {
        try await db.write { db in
            try db.execute(sql: "DELETE FROM flavors WHERE id = ?", arguments: [id])
            if db.changesCount == 0 { throw StoreError.notFound(kind: "Flavor", id: id) }
        }
    }

    public func updateFlavor(_ f: Flavor) async throws {
        try await db.write { db in
            try db.execute(sql: "UPDATE flavors SET description = ?, extra_specs = ? WHERE id = ?",
                           arguments: [f.description, try JSONColumn.encode(f.extraSpecs), f.id])
            if db.changesCount == 0 { throw StoreError.notFound(kind: "Flavor", id: f.id) }
        }
    }
}
