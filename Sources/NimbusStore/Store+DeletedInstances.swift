import Foundation
import GRDB
import NimbusKernel

extension NimbusStore {
    /// Of these uuids, the ones whose instance is soft-deleted (a compute reaps only those guests, as Nova's
    /// `running_deleted_instance_action = reap`; a guest the database never knew is left alone).
    public func deletedInstanceUUIDs(among uuids: [UUID]) async throws -> [UUID] {
        guard !uuids.isEmpty else { return [] }
        return try await db.read { db in
            let marks = Array(repeating: "?", count: uuids.count).joined(separator: ",")
            return try String.fetchAll(db, sql: "SELECT uuid FROM instances WHERE deleted = 1 AND uuid IN (\(marks))",
                                       arguments: StatementArguments(uuids.map(\.db)))
                .compactMap { UUID(uuidString: $0) }
        }
    }
}
