import Foundation
import NimbusJSON
import NimbusKernel
import NimbusStore

/// Glance's image schema: which attributes exist, which are read-only, and how values are checked.
enum ImageProperties {
    static let diskFormats = ["ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"]
    static let containerFormats = ["ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"]
    static let visibilities = ["public", "private", "shared", "community"]
    static let readOnly: Set<String> = ["status", "size", "virtual_size", "checksum", "os_hash_algo", "os_hash_value",
                                        "created_at", "updated_at", "self", "file", "schema", "direct_url", "locations"]
    static let base: Set<String> = ["id", "name", "visibility", "protected", "os_hidden", "disk_format",
                                    "container_format", "min_ram", "min_disk", "tags", "owner"]

    /// Sets one attribute from a client value; throws Glance's 400/403 for a bad one.
    static func set(_ key: String, _ value: JSON, on i: inout ImageRecord, by caller: AuthContext, creating: Bool) throws {
        if readOnly.contains(key) { throw GlanceError.forbidden("Attribute '\(key)' is read-only.") }
        if key.hasPrefix("os_glance") { throw GlanceError.forbidden("Attribute '\(key)' is reserved.") }
        switch key {
        case "id":
            guard creating else { throw GlanceError.forbidden("Attribute 'id' is read-only.") }
            guard let s = value.string, let u = UUID(uuidString: s) else {
                throw GlanceError.badRequest("Invalid input for field 'id': \(value) is not a valid UUID.")
            }
            i.id = u.uuidString.lowercased()
        case "name":
            if value.isNull { i.name = nil; return }
            guard let s = value.string, s.count <= 255 else {
                throw GlanceError.badRequest("Invalid input for field 'name': must be a string of at most 255 characters.")
            }
            guard !ImageInputGuard.hasControlCharacters(s) else {
                throw GlanceError.badRequest("Invalid input for field 'name': control characters are not allowed.")
            }
            i.name = s
        case "visibility":
            guard let s = value.string, visibilities.contains(s) else {
                throw GlanceError.badRequest("Invalid input for field 'visibility': must be one of "
                                             + visibilities.joined(separator: ", ") + ".")
            }
            if s == "public" && !caller.isAdmin {
                throw GlanceError.forbidden("You are not authorized to complete publicize_image action.")
            }
            i.visibility = s
        case "protected", "os_hidden":
            guard let b = value.bool else { throw GlanceError.badRequest("Invalid input for field '\(key)': not a boolean.") }
            if key == "protected" { i.protected = b } else { i.osHidden = b }
        case "disk_format", "container_format":
            let allowed = key == "disk_format" ? diskFormats : containerFormats
            if !value.isNull {
                guard let s = value.string, allowed.contains(s) else {
                    throw GlanceError.badRequest("Invalid input for field '\(key)': must be one of "
                                                 + allowed.joined(separator: ", ") + ".")
                }
            }
            if !creating && i.status != "queued" {
                throw GlanceError.forbidden("Attribute \(key) can be only replaced for a queued image.")
            }
            if key == "disk_format" { i.diskFormat = value.string } else { i.containerFormat = value.string }
        case "min_ram", "min_disk":
            guard case .int(let n) = value, n >= 0 else {
                throw GlanceError.badRequest("Invalid input for field '\(key)': must be an integer >= 0.")
            }
            if key == "min_ram" { i.minRAM = n } else { i.minDisk = n }
        case "tags":
            guard let a = value.array, a.allSatisfy({ ($0.string?.count ?? 256) <= 255 }) else {
                throw GlanceError.badRequest("Invalid input for field 'tags': must be a list of strings up to 255 characters.")
            }
            var seen = Set<String>()
            i.tags = a.compactMap(\.string).filter { seen.insert($0).inserted }
        case "owner":
            let s = value.string
            if !value.isNull && s == nil { throw GlanceError.badRequest("Invalid input for field 'owner': not a string.") }
            if !caller.isAdmin && s != caller.projectID {
                throw GlanceError.forbidden("Owner must be specified to create a tag or to change the owner.")
            }
            i.owner = s
        default:
            guard key.count <= 255, !key.isEmpty else { throw GlanceError.badRequest("Property names are 1 to 255 characters.") }
            guard let s = value.string, s.count <= 65535 else {
                throw GlanceError.badRequest("Invalid input for field '\(key)': additional properties must be strings.")
            }
            i.properties[key] = s
        }
    }

    /// Glance's image body, with additional properties at the top level.
    static func json(_ i: ImageRecord) -> JSON {
        var o: [String: JSON] = [:]
        for (k, v) in i.properties { o[k] = .string(v) }
        let fields: [String: JSON] = [
            "id": .string(i.id), "name": .optional(i.name), "status": .string(i.status),
            "visibility": .string(i.visibility), "protected": .bool(i.protected), "os_hidden": .bool(i.osHidden),
            "checksum": .optional(i.checksum), "os_hash_algo": .optional(i.osHashAlgo),
            "os_hash_value": .optional(i.osHashValue), "owner": .optional(i.owner), "size": .optional(i.size),
            "virtual_size": .optional(i.virtualSize), "min_ram": .int(i.minRAM), "min_disk": .int(i.minDisk),
            "disk_format": .optional(i.diskFormat), "container_format": .optional(i.containerFormat),
            "created_at": .string(GlanceTime.format(i.createdAt)), "updated_at": .string(GlanceTime.format(i.updatedAt)),
            "tags": .array(i.tags.map(JSON.string)), "self": .string("/v2/images/\(i.id)"),
            "file": .string("/v2/images/\(i.id)/file"), "schema": "/v2/schemas/image",
        ]
        o.merge(fields) { _, base in base }
        return .object(o)
    }
}
