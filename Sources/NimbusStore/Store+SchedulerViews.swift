import Foundation
import GRDB
import NimbusKernel

/// Per-node views the scheduler's host manager reads once per request.
extension NimbusStore {
    /// Live instance UUIDs per node (HostState.instanceUUIDs: same_host / different_host, group members).
    public func instanceUUIDsByNode() async throws -> [String: Set<UUID>] {
        try await db.read { db in
            var out: [String: Set<UUID>] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT uuid, node FROM instances WHERE deleted = 0 AND node IS NOT NULL")
            while let r = try rows.next() {
                if let u = UUID(uuidString: r["uuid"]) { out[r["node"], default: []].insert(u) }
            }
            return out
        }
    }

    /// Image properties of the live instances per node (ImagePropertiesWeigher), from their request specs.
    public func instanceImagePropertiesByNode() async throws -> [String: [[String: String]]] {
        try await db.read { db in
            var out: [String: [[String: String]]] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT i.node, r.spec FROM instances i JOIN request_specs r ON r.instance_uuid = i.uuid
                WHERE i.deleted = 0 AND i.node IS NOT NULL
                """)
            while let r = try rows.next() {
                if let spec = try? JSONColumn.decode(RequestSpec.self, r["spec"]) {
                    out[r["node"], default: []].append(spec.imageProperties)
                }
            }
            return out
        }
    }
}
