import Foundation
import GRDB
import NimbusKernel

/// Server fields only the compute API reads and writes (migration 004).
public struct ServerAPIFields: Sendable, Hashable {
    /// "owner" or "admin" when locked (Nova's `locked_by`), nil when unlocked.
    public var lockedBy: String?
    public var lockedReason: String?
    public var description: String?
    public var hostname: String?
    public var tags: [String]
    /// The create request's scheduler hints (from its request spec), shown at 2.100.
    public var schedulerHints: [String: [String]] = [:]
    /// Nova's `accessIPv4` / `accessIPv6` (canonical text, or nil when never set).
    public var accessIPv4: String?
    public var accessIPv6: String?
    /// `config_drive: true` at create, or `force_config_drive` when it was built (Nova's `instance.config_drive`).
    public var configDrive = false

    public init(lockedBy: String? = nil, lockedReason: String? = nil, description: String? = nil,
                hostname: String? = nil, tags: [String] = []) {
        self.lockedBy = lockedBy
        self.lockedReason = lockedReason
        self.description = description
        self.hostname = hostname
        self.tags = tags
    }
}

/// A server as the API shows it: the instance row plus the API-only fields.
public struct APIServer: Sendable {
    public var instance: InstanceRecord
    public var fields: ServerAPIFields
    /// The info cache's VIFs, read in the same statement as the row (a second query per listing page cost
    /// 10–25 % of `servers/detail`).
    public var networkInfo: [NetworkVIF] = []
}

/// Filters, sort and page of `GET /servers[/detail]` the store applies in SQL (the rest the API applies).
public struct ServerListQuery: Sendable {
    public var projectID: String?
    public var host: String?
    public var node: String?
    public var vmStates: [String]?
    public var flavorID: String?
    public var imageRef: String?
    public var availabilityZone: String?
    public var reservationID: String?
    public var keyName: String?
    public var userID: String?
    public var lockedOnly: Bool?
    public var tagsAll: [String] = []
    public var tagsAny: [String] = []
    public var notTagsAll: [String] = []
    public var notTagsAny: [String] = []
    public var changesSince: Date?
    public var includeDeleted = false
    /// Column names (already validated by the API) with descending flags; empty = created_at desc, uuid desc.
    public var sort: [(column: String, descending: Bool)] = []
    /// Marker and limit applied by the store; set only when the caller filters nothing after the query.
    public var page: ServerPage?

    public init() {}
}

/// A page of a listing: the servers after `marker` (a server of the listing; nil = from the start), at most `limit`.
public struct ServerPage: Sendable {
    public var marker: UUID?
    public var limit: Int

    public init(marker: UUID?, limit: Int) {
        self.marker = marker
        self.limit = limit
    }
}

/// A create refused by quota (Nova answers 403 "Quota exceeded for …").
public struct QuotaExceeded: Error, Sendable {
    public var resource: String
    public var requested: Int
    public var used: Int
    public var allowed: Int
}

extension NimbusStore {
    /// Creates the servers of one request atomically: the quota check (instances, cores, ram and the
    /// server group's members), the rows, their specs, `create` actions and group membership, or nothing.
    public func createServers(_ instances: [InstanceRecord], fields: ServerAPIFields, spec: RequestSpec,
                              requestID: String, group: UUID?, limits: [String: Int]) async throws {
        let specJSON = try JSONColumn.encode(spec)
        try await db.write { db in
            if let first = instances.first {
                let u = try Self.projectUsage(db, project: first.projectID)
                let flavor = first.flavor
                let n = instances.count
                for (res, used, add) in [("instances", u.instances, n), ("cores", u.cores, n * flavor.vcpus),
                                         ("ram", u.ram, n * flavor.memoryMB)] {
                    if let limit = limits[res], limit >= 0, used + add > limit {
                        throw QuotaExceeded(resource: res, requested: add, used: used, allowed: limit)
                    }
                }
            }
            var groupID: Int?
            if let group {
                let g = try Self.serverGroup(db, uuid: group)
                groupID = g.id
                let live = try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM instance_group_members m JOIN instances i ON i.uuid = m.instance_uuid
                    WHERE m.group_id = ? AND i.deleted = 0
                    """, arguments: [g.id]) ?? 0
                if let limit = limits["server_group_members"], limit >= 0, live + instances.count > limit {
                    throw QuotaExceeded(resource: "server_group_members", requested: instances.count, used: live,
                                        allowed: limit)
                }
            }
            let tags = try JSONColumn.encode(fields.tags)
            for i in instances {
                try db.cachedStatement(sql: """
                    INSERT INTO instances (uuid, display_name, project_id, user_id, flavor, image_ref, vm_state,
                      task_state, power_state, host, node, availability_zone, reservation_id, launch_index, key_name,
                      metadata, user_data, created_at, updated_at, description, hostname, tags, access_ip_v4,
                      access_ip_v6, config_drive)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [i.uuid.db, i.name, i.projectID, i.userID, try JSONColumn.encode(i.flavor),
                                             i.imageRef, i.vmState.rawValue, i.taskState?.rawValue,
                                             i.powerState.rawValue, i.host, i.node, i.availabilityZone,
                                             i.reservationID, i.launchIndex, i.keyName,
                                             try JSONColumn.encode(i.metadata), i.userData, i.createdAt.dbValue,
                                             i.createdAt.dbValue, fields.description,
                                             Self.hostname(i.name, index: instances.count > 1 ? i.launchIndex + 1 : nil),
                                             tags, fields.accessIPv4, fields.accessIPv6, fields.configDrive])
                try db.cachedStatement(sql: "INSERT INTO request_specs (instance_uuid, spec) VALUES (?, ?)")
                    .execute(arguments: [i.uuid.db, specJSON])
                try db.cachedStatement(sql: """
                    INSERT INTO instance_actions (instance_uuid, action, request_id, user_id, project_id, start_time)
                    VALUES (?, 'create', ?, ?, ?, ?)
                    """).execute(arguments: [i.uuid.db, requestID, i.userID, i.projectID, i.createdAt.dbValue])
                if let groupID {
                    try db.execute(sql: """
                        INSERT OR IGNORE INTO instance_group_members (group_id, instance_uuid, created_at)
                        VALUES (?, ?, ?)
                        """, arguments: [groupID, i.uuid.db, i.createdAt.dbValue])
                }
            }
        }
    }

    /// Nova's sanitized hostname: lowercase, [a-z0-9-], at most 63 characters ("-N" per multi-create member).
    static func hostname(_ name: String, index: Int?) -> String {
        var s = String(name.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }
            .filter { $0.isASCII })
        s = String(s.drop(while: { $0 == "-" || $0 == "." }))
        if s.isEmpty { s = "server" }
        if let index { s += "-\(index)" }
        return String(s.prefix(63))
    }

    /// A live server with its API fields, or nil.
    public func apiServer(_ uuid: UUID) async throws -> APIServer? {
        try await db.read { db in
            var cache: [String: Flavor] = [:]
            return try Row.fetchOne(try db.cachedStatement(sql: """
                \(Self.serverSelect) WHERE uuid = ? AND deleted = 0
                """), arguments: [uuid.db]).map { try Self.apiServer($0, flavors: &cache) }
        }
    }

    /// The columns `apiServer(_:flavors:)` reads, by position (decoding by column name cost more than the
    /// rest of the row: GRDB lowercases the name on every lookup).
    static let serverSelect = """
        SELECT instances.uuid, display_name, project_id, user_id, flavor, image_ref, vm_state, task_state,
          power_state, host, node, availability_zone, reservation_id, launch_index, key_name, metadata, user_data,
          created_at, updated_at, launched_at, terminated_at, deleted_at, locked_by, locked_reason, description,
          hostname, tags, json_extract(r.spec, '$.schedulerHints') AS hints, access_ip_v4, access_ip_v6,
          (SELECT ic.network_info FROM instance_info_caches ic WHERE ic.instance_uuid = instances.uuid) AS vifs,
          instances.config_drive
        FROM instances LEFT JOIN request_specs r ON r.instance_uuid = instances.uuid
        """

    /// Decodes a row of `serverSelect`; flavors repeat across a listing, so each distinct flavor JSON is
    /// decoded once, and the flat JSON columns take `FlatJSON` rather than a JSONDecoder per row.
    static func apiServer(_ row: Row, flavors: inout [String: Flavor]) throws -> APIServer {
        func date(_ c: Int) -> Date? { (row[c] as Double?).map(Date.init(db:)) }
        let flavorJSON: String = row[4]
        let flavor: Flavor
        if let f = flavors[flavorJSON] { flavor = f } else {
            flavor = try FlavorColumnCache.flavor(flavorJSON)
            flavors[flavorJSON] = flavor
        }
        let metaJSON: String = row[15]
        let tagsJSON: String = row[26]
        let i = InstanceRecord(
            uuid: fastUUID(row[0]), name: row[1], projectID: row[2], userID: row[3], flavor: flavor,
            imageRef: row[5], vmState: VMState(rawValue: row[6]) ?? .error,
            taskState: (row[7] as String?).flatMap(TaskState.init(rawValue:)),
            powerState: PowerState(rawValue: row[8]) ?? .noState, host: row[9], node: row[10],
            availabilityZone: row[11], reservationID: row[12], launchIndex: row[13], keyName: row[14],
            metadata: try FlatJSON.stringDictionary(metaJSON) ?? JSONColumn.decode([String: String].self, metaJSON),
            userData: row[16], createdAt: Date(db: row[17]), updatedAt: date(18), launchedAt: date(19),
            terminatedAt: date(20), deletedAt: date(21))
        var fields = ServerAPIFields(
            lockedBy: row[22], lockedReason: row[23], description: row[24], hostname: row[25],
            tags: try FlatJSON.stringArray(tagsJSON) ?? JSONColumn.decode([String].self, tagsJSON))
        fields.accessIPv4 = row[28]
        fields.accessIPv6 = row[29]
        fields.configDrive = row[31]
        if let hints = row[27] as String?, hints != "{}" {
            fields.schedulerHints = FlatJSON.stringListDictionary(hints)
                ?? (try? JSONColumn.decode([String: [String]].self, hints)) ?? [:]
        }
        var server = APIServer(instance: i, fields: fields)
        if let vifs = row[30] as String?, vifs != "[]" { server.networkInfo = try JSONColumn.decode([NetworkVIF].self, vifs) }
        return server
    }

    /// A stored (lowercase, canonical) uuid; Foundation's parser on Linux goes through sscanf, which showed in
    /// listings' profiles. Other spellings take Foundation's parser.
    static func fastUUID(_ s: String) -> UUID {
        var s = s
        var u: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let ok = s.withUTF8 { b in
            withUnsafeMutableBytes(of: &u) { bytes -> Bool in
                guard b.count == 36 else { return false }
                func nibble(_ c: UInt8) -> UInt8? {
                    switch c {
                    case 48...57: c - 48
                    case 97...102: c - 87
                    case 65...70: c - 55
                    default: nil
                    }
                }
                var n = 0, i = 0
                while i < 36 {
                    if i == 8 || i == 13 || i == 18 || i == 23 {
                        guard b[i] == UInt8(ascii: "-") else { return false }
                        i += 1
                        continue
                    }
                    guard let hi = nibble(b[i]), let lo = nibble(b[i + 1]) else { return false }
                    bytes[n] = hi << 4 | lo
                    n += 1
                    i += 2
                }
                return true
            }
        }
        return ok ? UUID(uuid: u) : UUID(uuidString: s)!
    }

    /// Updates API-owned fields of a live server; nil arguments leave a field as is.
    @discardableResult
    public func updateServer(_ uuid: UUID, name: String? = nil, description: String?? = nil,
                             hostname: String? = nil, metadata: [String: String]? = nil, tags: [String]? = nil,
                             lock: (by: String?, reason: String?)? = nil, accessIPv4: String? = nil,
                             accessIPv6: String? = nil) async throws -> APIServer {
        try await db.write { db in
            var sets: [String] = []
            var args: [any DatabaseValueConvertible] = []
            func set(_ c: String, _ v: (any DatabaseValueConvertible)?) { sets.append("\(c) = ?"); args.append(v ?? DatabaseValue.null) }
            if let name { set("display_name", name) }
            if let description { set("description", description) }
            if let hostname { set("hostname", hostname) }
            if let metadata { set("metadata", try JSONColumn.encode(metadata)) }
            if let tags { set("tags", try JSONColumn.encode(tags)) }
            if let lock { set("locked_by", lock.by); set("locked_reason", lock.reason) }
            if let accessIPv4 { set("access_ip_v4", accessIPv4) }
            if let accessIPv6 { set("access_ip_v6", accessIPv6) }
            set("updated_at", Date().dbValue)
            args.append(uuid.db)
            try db.execute(sql: "UPDATE instances SET \(sets.joined(separator: ", ")) WHERE uuid = ? AND deleted = 0",
                           arguments: StatementArguments(args))
            guard db.changesCount == 1,
                  let row = try Row.fetchOne(db, sql: Self.serverSelect + " WHERE uuid = ?", arguments: [uuid.db])
            else { throw StoreError.notFound(kind: "Instance", id: uuid.db) }
            var cache: [String: Flavor] = [:]
            return try Self.apiServer(row, flavors: &cache)
        }
    }

    /// Servers of a project (or all) alive at some point in [start, end] (os-simple-tenant-usage).
    public func usageServers(project: String?, start: Date, end: Date) async throws -> [InstanceRecord] {
        try await db.read { db in
            var sql = """
                SELECT * FROM instances WHERE created_at <= ? AND (terminated_at IS NULL OR terminated_at >= ?)
                """
            var args: [any DatabaseValueConvertible] = [end.dbValue, start.dbValue]
            if let project { sql += " AND project_id = ?"; args.append(project) }
            sql += " ORDER BY created_at, uuid"
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map(InstanceRecord.init(row:))
        }
    }
}

/// Fast decoding of the flat JSON columns a listing reads per row (`metadata`, `tags`, scheduler hints), as
/// `JSONColumn.encode` writes them: no whitespace, string values only. A JSONDecoder per row was a large share
/// of `GET /servers/detail`; anything else (escapes, numbers, nesting, whitespace) goes to JSONDecoder.
enum FlatJSON {
    /// `["a","b"]` → ["a", "b"]; nil if the text is not that simple shape.
    static func stringArray(_ s: String) -> [String]? {
        var s = s
        return s.withUTF8 { b -> [String]? in
            var i = 0
            var out: [String] = []
            guard b.count >= 2, b[0] == UInt8(ascii: "["), b[b.count - 1] == UInt8(ascii: "]") else { return nil }
            i = 1
            if b.count == 2 { return [] }
            while true {
                guard let str = string(b, &i) else { return nil }
                out.append(str)
                guard i < b.count else { return nil }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                return b[i] == UInt8(ascii: "]") && i == b.count - 1 ? out : nil
            }
        }
    }

    /// `{"k":"v"}` → ["k": "v"]; nil if the text is not that simple shape.
    static func stringDictionary(_ s: String) -> [String: String]? {
        var s = s
        return s.withUTF8 { b -> [String: String]? in
            guard b.count >= 2, b[0] == UInt8(ascii: "{"), b[b.count - 1] == UInt8(ascii: "}") else { return nil }
            var out: [String: String] = [:]
            if b.count == 2 { return out }
            var i = 1
            while true {
                guard let k = string(b, &i), i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
                i += 1
                guard let v = string(b, &i), i < b.count else { return nil }
                out[k] = v
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                return b[i] == UInt8(ascii: "}") && i == b.count - 1 ? out : nil
            }
        }
    }

    /// `{"k":["v",…]}` → ["k": ["v", …]]; nil if the text is not that simple shape.
    static func stringListDictionary(_ s: String) -> [String: [String]]? {
        var s = s
        return s.withUTF8 { b -> [String: [String]]? in
            guard b.count >= 2, b[0] == UInt8(ascii: "{"), b[b.count - 1] == UInt8(ascii: "}") else { return nil }
            var out: [String: [String]] = [:]
            if b.count == 2 { return out }
            var i = 1
            while true {
                guard let k = string(b, &i), i + 1 < b.count, b[i] == UInt8(ascii: ":"), b[i + 1] == UInt8(ascii: "[")
                else { return nil }
                i += 2
                var list: [String] = []
                if i < b.count, b[i] == UInt8(ascii: "]") { i += 1 } else {
                    while true {
                        guard let v = string(b, &i), i < b.count else { return nil }
                        list.append(v)
                        if b[i] == UInt8(ascii: ",") { i += 1; continue }
                        guard b[i] == UInt8(ascii: "]") else { return nil }
                        i += 1
                        break
                    }
                }
                guard i < b.count else { return nil }
                out[k] = list
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                return b[i] == UInt8(ascii: "}") && i == b.count - 1 ? out : nil
            }
        }
    }

    /// A string without escapes starting at `i` (which must be at its opening quote); `i` ends after it.
    private static func string(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> String? {
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { return nil }
        let start = i + 1
        var j = start
        while j < b.count {
            let c = b[j]
            if c == UInt8(ascii: "\"") {
                i = j + 1
                return String(decoding: UnsafeBufferPointer(rebasing: b[start..<j]), as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") || c < 0x20 { return nil }
            j += 1
        }
        return nil
    }
}
