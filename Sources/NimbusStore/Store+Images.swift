import Foundation
import GRDB

/// An image in the built-in registry (Glance's `images` row plus tags and extra properties).
public struct ImageRecord: Sendable, Hashable, Codable {
    public var id: String
    public var name: String?
    public var status: String
    public var visibility: String
    public var protected: Bool
    public var osHidden: Bool
    public var owner: String?
    public var diskFormat: String?
    public var containerFormat: String?
    public var minDisk: Int
    public var minRAM: Int
    public var size: Int?
    public var virtualSize: Int?
    public var checksum: String?
    public var osHashAlgo: String?
    public var osHashValue: String?
    public var tags: [String]
    /// Additional (user-defined) properties; Glance keeps them as strings.
    public var properties: [String: String]
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, name: String? = nil, status: String = "queued", visibility: String = "shared",
                protected: Bool = false, osHidden: Bool = false, owner: String? = nil, diskFormat: String? = nil,
                containerFormat: String? = nil, minDisk: Int = 0, minRAM: Int = 0, size: Int? = nil,
                virtualSize: Int? = nil, checksum: String? = nil, osHashAlgo: String? = nil, osHashValue: String? = nil,
                tags: [String] = [], properties: [String: String] = [:], createdAt: Date = Date(),
                updatedAt: Date? = nil) {
        self.id = id
        self.name = name
        self.status = status
        self.visibility = visibility
        self.protected = protected
        self.osHidden = osHidden
        self.owner = owner
        self.diskFormat = diskFormat
        self.containerFormat = containerFormat
        self.minDisk = minDisk
        self.minRAM = minRAM
        self.size = size
        self.virtualSize = virtualSize
        self.checksum = checksum
        self.osHashAlgo = osHashAlgo
        self.osHashValue = osHashValue
        self.tags = tags
        self.properties = properties
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }

    init(row: Row) throws {
        self.init(id: row["id"], name: row["name"], status: row["status"], visibility: row["visibility"],
                  protected: row["protected"], osHidden: row["os_hidden"], owner: row["owner"],
                  diskFormat: row["disk_format"], containerFormat: row["container_format"], minDisk: row["min_disk"],
                  minRAM: row["min_ram"], size: row["size"], virtualSize: row["virtual_size"], checksum: row["checksum"],
                  osHashAlgo: row["os_hash_algo"], osHashValue: row["os_hash_value"],
                  tags: try JSONColumn.decode([String].self, row["tags"]),
                  properties: try JSONColumn.decode([String: String].self, row["properties"]),
                  createdAt: Date(db: row["created_at"]), updatedAt: Date(db: row["updated_at"]))
    }
}

/// A page request over images, with Glance's filters. Scope: `projectID` nil means every image (admin).
public struct ImageQuery: Sendable, Hashable {
    public var projectID: String?
    public var ids: [String]?
    public var name: String?
    public var status: String?
    public var visibility: String?
    public var owner: String?
    public var tags: [String] = []
    public var sizeMin: Int?
    public var sizeMax: Int?
    /// Glance's `os_hidden` filter: hidden images are listed only when asked for, and then only they are.
    public var hidden = false
    public var marker: String?
    public var limit: Int

    public init(projectID: String?, limit: Int) {
        self.projectID = projectID
        self.limit = limit
    }
}

extension NimbusStore {
    public func createImage(_ i: ImageRecord) async throws -> ImageRecord {
        try await db.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM images WHERE id = ?", arguments: [i.id]) ?? false {
                throw StoreError.conflict("An image with identifier \(i.id) already exists")
            }
            try Self.writeImage(db, i, insert: true)
            return i
        }
    }

    public func image(id: String) async throws -> ImageRecord? {
        try await db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM images WHERE id = ?", arguments: [id.lowercased()])
                .map(ImageRecord.init(row:))
        }
    }

    /// Saves an image; with `expectStatus` it only does so if the stored status is one of them
    /// (a compare-and-set, so two uploads cannot both move a queued image to saving).
    public func updateImage(_ i: ImageRecord, expectStatus: [String]? = nil) async throws {
        try await db.write { db in
            guard let current = try String.fetchOne(db, sql: "SELECT status FROM images WHERE id = ?", arguments: [i.id]) else {
                throw StoreError.notFound(kind: "image", id: i.id)
            }
            if let expectStatus, !expectStatus.contains(current) {
                throw StoreError.conflict("Image status transition from \(current) to \(i.status) is not allowed")
            }
            try Self.writeImage(db, i, insert: false)
        }
    }

    public func deleteImage(id: String) async throws {
        try await db.write { db in
            try db.execute(sql: "DELETE FROM images WHERE id = ?", arguments: [id])
            if db.changesCount == 0 { throw StoreError.notFound(kind: "image", id: id) }
        }
    }

    /// One page, newest first (Glance's default `created_at desc, id desc`).
    public func images(_ q: ImageQuery) async throws -> [ImageRecord] {
        try await db.read { db in
            var clauses: [String] = []
            var args: [(any DatabaseValueConvertible)?] = []
            if let project = q.projectID {
                // Non-admins see public images, their own, and community ones when they ask for them.
                clauses.append("(visibility = 'public' OR owner = ? OR (? = 'community' AND visibility = 'community'))")
                args += [project, q.visibility]
            }
            if let v = q.visibility, v != "all" {
                clauses.append("visibility = ?")
                args.append(v)
            }
            if let ids = q.ids {
                clauses.append("id IN (\(ids.map { _ in "?" }.joined(separator: ",")))")
                args += ids.map { $0.lowercased() }
            }
            for (column, value) in [("name", q.name), ("status", q.status), ("owner", q.owner)] where value != nil {
                clauses.append("\(column) = ?")
                args.append(value)
            }
            for tag in q.tags {
                clauses.append("EXISTS (SELECT 1 FROM json_each(images.tags) WHERE value = ?)")
                args.append(tag)
            }
            if let m = q.sizeMin { clauses.append("size >= ?"); args.append(m) }
            if let m = q.sizeMax { clauses.append("size <= ?"); args.append(m) }
            clauses.append("os_hidden = ?")
            args.append(q.hidden)
            if let marker = q.marker {
                guard let row = try Row.fetchOne(db, sql: "SELECT created_at, id FROM images WHERE id = ?",
                                                 arguments: [marker.lowercased()]) else {
                    throw StoreError.notFound(kind: "marker", id: marker)
                }
                clauses.append("(created_at < ? OR (created_at = ? AND id < ?))")
                args += [row["created_at"] as Double, row["created_at"] as Double, row["id"] as String]
            }
            let whereSQL = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            args.append(q.limit)
            return try Row.fetchAll(db, sql: "SELECT * FROM images \(whereSQL) ORDER BY created_at DESC, id DESC LIMIT ?",
                                    arguments: StatementArguments(args.map { $0?.databaseValue ?? .null }))
                .map(ImageRecord.init(row:))
        }
    }

    static func writeImage(_ db: Database, _ i: ImageRecord, insert: Bool) throws {
        let values: [(any DatabaseValueConvertible)?] = [
            i.name, i.status, i.visibility, i.protected, i.osHidden, i.owner, i.diskFormat, i.containerFormat, i.minDisk,
            i.minRAM, i.size, i.virtualSize, i.checksum, i.osHashAlgo, i.osHashValue, try JSONColumn.encode(i.tags),
            try JSONColumn.encode(i.properties), i.createdAt.dbValue, i.updatedAt.dbValue, i.id,
        ]
        let sql = insert
            ? """
              INSERT INTO images (name, status, visibility, protected, os_hidden, owner, disk_format, container_format,
                min_disk, min_ram, size, virtual_size, checksum, os_hash_algo, os_hash_value, tags, properties, created_at,
                updated_at, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
              """
            : """
              UPDATE images SET name = ?, status = ?, visibility = ?, protected = ?, os_hidden = ?, owner = ?,
                disk_format = ?, container_format = ?, min_disk = ?, min_ram = ?, size = ?, virtual_size = ?, checksum = ?,
                os_hash_algo = ?, os_hash_value = ?, tags = ?, properties = ?, created_at = ?, updated_at = ? WHERE id = ?
              """
        try db.execute(sql: sql, arguments: StatementArguments(values.map { $0?.databaseValue ?? .null }))
    }
}
