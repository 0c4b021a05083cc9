import Foundation
import GRDB
import NimbusKernel

extension NimbusStore {
    /// Saves what a node's driver supports and the traits it reports. Writes only on a change, so the
    /// scheduler's change tracking (a trigger on every compute_nodes update) is not bumped by each report.
    public func setNodeCapabilities(node: String, _ capabilities: DriverCapabilities, traits: [String]) async throws {
        let caps = try JSONColumn.encode(capabilities)
        let traits = try JSONColumn.encode(traits.sorted())
        try await db.write { db in
            try db.execute(sql: """
                UPDATE compute_nodes SET capabilities = ?, traits = ?
                WHERE hypervisor_hostname = ? AND (capabilities IS NOT ? OR traits IS NOT ?)
                """, arguments: [caps, traits, node, caps, traits])
        }
    }

    /// The capabilities the node's compute reported; nil when the node is unknown or has not reported them
    /// (a compute pinned below `compute_node_capabilities`).
    public func nodeCapabilities(node: String) async throws -> DriverCapabilities? {
        let raw = try await db.read { db in
            try String?.fetchOne(db, sql: "SELECT capabilities FROM compute_nodes WHERE hypervisor_hostname = ?",
                                 arguments: [node]) ?? nil
        }
        return try JSONColumn.decodeIfPresent(DriverCapabilities.self, raw)
    }

    /// The node's `COMPUTE_*` traits (as placement would list them for its resource provider); nil until reported.
    public func nodeTraits(node: String) async throws -> [String]? {
        let raw = try await db.read { db in
            try String?.fetchOne(db, sql: "SELECT traits FROM compute_nodes WHERE hypervisor_hostname = ?",
                                 arguments: [node]) ?? nil
        }
        return try JSONColumn.decodeIfPresent([String].self, raw)
    }
}
