import Foundation
import NimbusJSON

/// The parts of Nova's server-create schema (`schemas/servers.py`) that are more than a type check:
/// block device mappings, security groups and hostnames.
enum ServerCreateValidation {
    /// Keys of a legacy `block_device_mapping` item.
    static let legacyBDMKeys: Set<String> = ["virtual_name", "volume_id", "snapshot_id", "volume_size", "device_name",
                                             "delete_on_termination", "no_device", "connection_info"]
    /// Keys of a `block_device_mapping_v2` item (tag from 2.42, volume_type from 2.67).
    static func bdmV2Keys(_ ctx: NimbusRequestContext) -> Set<String> {
        var keys = legacyBDMKeys.union(["source_type", "uuid", "image_id", "destination_type", "guest_format",
                                        "device_type", "disk_bus", "boot_index"])
        if ctx.at(42) || (ctx.at(32) && !ctx.at(37)) { keys.insert("tag") }
        if ctx.at(67) { keys.insert("volume_type") }
        return keys
    }

    /// One mapping item, checked as Nova's `_block_device_mapping_v2` (or the legacy one) checks it.
    static func mapping(_ item: JSON, field: String, keys: Set<String>) throws -> Fields {
        guard let o = item.object else { throw Fields.invalid(field, item, "\(item.brief) is not of type 'object'") }
        let f = Fields(o, path: field)
        try f.only(keys)
        for k in ["virtual_name", "guest_format", "device_type", "disk_bus", "tag", "volume_type"] {
            _ = try f.string(k, max: 255)
        }
        _ = try f.string("connection_info", max: 16_777_215)
        if let d = try f.string("device_name", min: 1, max: 255), !matches(d, extra: "._/-") {
            throw Fields.invalid("device_name", .string(d), "'\(d)' does not match '^[a-zA-Z0-9._/-]*$'")
        }
        if let u = try f.string("uuid", min: 1, max: 255), !matches(u, extra: "._-") {
            throw Fields.invalid("uuid", .string(u), "'\(u)' does not match '^[a-zA-Z0-9._-]*$'")
        }
        for k in ["volume_id", "snapshot_id", "image_id"] {
            if let s = try f.string(k), UUID(uuidString: s) == nil {
                throw Fields.invalid(k, .string(s), "'\(s)' is not a 'uuid'")
            }
        }
        if let s = try f.string("source_type"), !["volume", "image", "snapshot", "blank"].contains(s) {
            throw Fields.invalid("source_type", .string(s), "'\(s)' is not one of ['volume', 'image', 'snapshot', 'blank']")
        }
        if let s = try f.string("destination_type"), !["local", "volume"].contains(s) {
            throw Fields.invalid("destination_type", .string(s), "'\(s)' is not one of ['local', 'volume']")
        }
        if let b = f["boot_index"], !b.isNull {
            let ok: Bool
            switch b {
            case .int: ok = true
            case .string(let s): ok = !s.isEmpty && Int(s) != nil
            default: ok = false
            }
            guard ok else { throw Fields.invalid("boot_index", b, "\(b.brief) is not of type 'integer', 'string', 'null'") }
        }
        _ = try f.int("volume_size", min: 1, max: 2_147_483_647)
        _ = try f.bool("delete_on_termination")
        return f
    }

    /// `security_groups`: a list of `{"name": …}` (Nimbus has only the default group until networking lands,
    /// so the names are checked for shape and otherwise not used).
    static func securityGroups(_ v: JSON?) throws {
        guard let v else { return }
        guard let items = v.array else { throw Fields.invalid("security_groups", v, "\(v.brief) is not of type 'array'") }
        for item in items {
            guard let o = item.object else {
                throw Fields.invalid("security_groups", item, "\(item.brief) is not of type 'object'")
            }
            let f = Fields(o, path: "security_groups")
            try f.only(["name"])
            _ = try f.string("name", min: 1, max: 255, trimmed: true)
        }
    }

    /// `hostname`: an RFC 1123 label at 2.90-2.93 (`parameter_types.hostname`), Nova's `fqdn` pattern from 2.94.
    static func hostname(_ f: Fields, _ ctx: NimbusRequestContext) throws -> String? {
        if ctx.at(94) {
            guard let h = try f.string("hostname", min: 1, max: 255) else { return nil }
            guard matches(h, extra: "-._") else {
                throw Fields.invalid("hostname", .string(h), "'\(h)' does not match '^[a-zA-Z0-9-._]*$'")
            }
            return h
        }
        guard let h = try f.string("hostname", min: 2, max: 63) else { return nil }
        let u = Array(h.utf8)
        func alnum(_ c: UInt8) -> Bool { (48...57).contains(c) || (65...90).contains(c) || (97...122).contains(c) }
        guard let first = u.first, let last = u.last, alnum(first), alnum(last),
              u.allSatisfy({ alnum($0) || $0 == UInt8(ascii: "-") }) else {
            throw Fields.invalid("hostname", .string(h), "'\(h)' does not match '^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$'")
        }
        return h
    }

    /// ASCII letters and digits plus the `extra` characters only.
    static func matches(_ s: String, extra: String) -> Bool {
        s.utf8.allSatisfy { c in (48...57).contains(c) || (65...90).contains(c) || (97...122).contains(c) || extra.utf8.contains(c) }
    }
}
