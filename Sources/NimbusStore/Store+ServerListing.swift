import Foundation
import GRDB
import NimbusKernel

/// The marker of a paged listing is not one of the listed servers (Nova answers 400).
public struct MarkerNotFound: Error, Sendable {
    public var marker: UUID
}

extension NimbusStore {
    /// Servers matching the SQL-side filters, in the requested order. With `q.page` the store pages too: the
    /// first page by `LIMIT`; a later one finds the marker among the listing's uuids alone and decodes only the
    /// page's rows. Without it (the caller filters further) every matching server is returned. A 20-server page
    /// of 5,000 servers decoded all 5,000 rows before.
    public func apiServers(_ q: ServerListQuery) async throws -> [APIServer] {
        try await db.read { db in
            let (filter, args) = Self.listFilter(q)
            let order = q.sort.isEmpty ? [("created_at", true), ("uuid", true)] : q.sort + [("uuid", q.sort[0].descending)]
            let orderBy = " ORDER BY " + order.map { "instances.\($0.0) \($0.1 ? "DESC" : "ASC")" }.joined(separator: ", ")
            var cache: [String: Flavor] = [:]
            var out: [APIServer] = []
            guard let page = q.page, let marker = page.marker else {
                var sql = Self.serverSelect + filter + orderBy
                var values = args
                if let page = q.page { sql += " LIMIT ?"; values.append(page.limit) }
                // Cached: compiling this join (GRDB's authorizer walks every column) showed per request; the
                // texts vary only with which filters are present and how many values they carry.
                let rows = try Row.fetchCursor(try db.cachedStatement(sql: sql), arguments: StatementArguments(values))
                while let row = try rows.next() { out.append(try Self.apiServer(row, flavors: &cache)) }
                return out
            }
            let uuids = try String.fetchAll(try db.cachedStatement(sql: "SELECT instances.uuid FROM instances" + filter + orderBy),
                                            arguments: StatementArguments(args))
            guard let at = uuids.firstIndex(of: marker.db) else { throw MarkerNotFound(marker: marker) }
            let wanted = Array(uuids[(at + 1)...].prefix(page.limit))
            guard !wanted.isEmpty else { return [] }
            // One statement whatever the page size: the uuids go in as one JSON array.
            let rows = try Row.fetchCursor(try db.cachedStatement(sql: Self.serverSelect + """
                 WHERE instances.uuid IN (SELECT value FROM json_each(?))
                """), arguments: [try JSONColumn.encode(wanted)])
            var byUUID: [String: APIServer] = [:]
            while let row = try rows.next() { byUUID[row[0]] = try Self.apiServer(row, flavors: &cache) }
            return wanted.compactMap { byUUID[$0] }
        }
    }

    /// The listing's WHERE clause and its arguments.
    static func listFilter(_ q: ServerListQuery) -> (String, [any DatabaseValueConvertible]) {
        var sql = " WHERE 1 = 1"
        var args: [any DatabaseValueConvertible] = []
        if !q.includeDeleted { sql += " AND deleted = 0" }
        func eq(_ column: String, _ v: String?) {
            if let v { sql += " AND \(column) = ?"; args.append(v) }
        }
        eq("project_id", q.projectID); eq("host", q.host); eq("node", q.node); eq("image_ref", q.imageRef)
        eq("availability_zone", q.availabilityZone); eq("reservation_id", q.reservationID)
        eq("key_name", q.keyName); eq("user_id", q.userID)
        if let f = q.flavorID { sql += " AND json_extract(flavor, '$.id') = ?"; args.append(f) }
        if let states = q.vmStates {
            sql += " AND vm_state IN (\(states.map { _ in "?" }.joined(separator: ",")))"
            args += states
        }
        if let locked = q.lockedOnly { sql += locked ? " AND locked_by IS NOT NULL" : " AND locked_by IS NULL" }
        if let since = q.changesSince { sql += " AND COALESCE(updated_at, created_at) >= ?"; args.append(since.dbValue) }
        let hasTag = "EXISTS (SELECT 1 FROM json_each(instances.tags) WHERE value = ?)"
        for t in q.tagsAll { sql += " AND \(hasTag)"; args.append(t) }
        if !q.tagsAny.isEmpty {
            sql += " AND (" + q.tagsAny.map { _ in hasTag }.joined(separator: " OR ") + ")"
            args += q.tagsAny
        }
        if !q.notTagsAll.isEmpty {
            sql += " AND NOT (" + q.notTagsAll.map { _ in hasTag }.joined(separator: " AND ") + ")"
            args += q.notTagsAll
        }
        for t in q.notTagsAny { sql += " AND NOT \(hasTag)"; args.append(t) }
        return (sql, args)
    }
}
