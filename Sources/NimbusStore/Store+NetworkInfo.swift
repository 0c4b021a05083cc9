import Foundation
import GRDB

/// One of a server's network interfaces, as Nova's info cache holds it (`nova/network/model.py` VIF).
public struct NetworkVIF: Sendable, Hashable, Codable {
    public struct Address: Sendable, Hashable, Codable {
        public var address: String
        public var version: Int
        public var subnetID: String

        public init(address: String, version: Int, subnetID: String) {
            self.address = address
            self.version = version
            self.subnetID = subnetID
        }
    }

    public var portID: String
    public var networkID: String
    /// The network's name: the key of the server's `addresses`.
    public var networkName: String
    public var macAddress: String
    public var fixedIPs: [Address]
    /// A port the user supplied: unbound, not deleted, when the server goes.
    public var preserveOnDelete: Bool
    public var tag: String?
    public var active: Bool

    public init(portID: String, networkID: String, networkName: String, macAddress: String, fixedIPs: [Address],
                preserveOnDelete: Bool, tag: String? = nil, active: Bool = false) {
        self.portID = portID
        self.networkID = networkID
        self.networkName = networkName
        self.macAddress = macAddress
        self.fixedIPs = fixedIPs
        self.preserveOnDelete = preserveOnDelete
        self.tag = tag
        self.active = active
    }
}

extension NimbusStore {
    public func saveNetworkInfo(_ instance: UUID, _ vifs: [NetworkVIF]) async throws {
        try await db.write { db in
            try db.execute(sql: """
                INSERT INTO instance_info_caches (instance_uuid, network_info, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (instance_uuid) DO UPDATE SET network_info = excluded.network_info, updated_at = excluded.updated_at
                """, arguments: [instance.uuidString.lowercased(), try JSONColumn.encode(vifs), Date().dbValue])
        }
    }

    /// The cached VIFs of each instance asked for that has any.
    public func networkInfo(_ instances: [UUID]) async throws -> [UUID: [NetworkVIF]] {
        guard !instances.isEmpty else { return [:] }
        return try await db.read { db in
            var out: [UUID: [NetworkVIF]] = [:]
            for chunk in stride(from: 0, to: instances.count, by: 500).map({ Array(instances[$0..<min($0 + 500, instances.count)]) }) {
                let rows = try Row.fetchAll(db, sql: """
                    SELECT instance_uuid, network_info FROM instance_info_caches
                    WHERE instance_uuid IN (\(chunk.map { _ in "?" }.joined(separator: ",")))
                    """, arguments: StatementArguments(chunk.map { $0.uuidString.lowercased() }))
                for r in rows {
                    guard let id = UUID(uuidString: r["instance_uuid"]) else { continue }
                    out[id] = try JSONColumn.decode([NetworkVIF].self, r["network_info"])
                }
            }
            return out
        }
    }
}
