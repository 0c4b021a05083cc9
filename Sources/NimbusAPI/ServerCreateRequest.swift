import Foundation
import NimbusJSON
import NimbusKernel

/// `POST /servers` body, validated as Nova's per-microversion schema does (unknown keys, wrong types and
/// missing fields → 400 naming the field).
struct ServerCreateRequest {
    var name: String
    var imageRef: String
    var flavorRef: String
    var minCount = 1
    var maxCount = 1
    var availabilityZone: String?
    var forcedHost: String?
    var forcedNode: String?
    /// 2.74's `host` / `hypervisor_hostname`: checked in the API (unlike the old "zone:host:node" form).
    var requestsDestination = false
    var keyName: String?
    var metadata: [String: String] = [:]
    var userData: String?
    var schedulerHints: [String: [String]] = [:]
    var returnReservationID = false
    var description: String?
    var tags: [String] = []
    var hostname: String?
    var adminPass: String?
    /// `config_drive: true`: the guest gets a config-2 drive (stored on the instance, read by the conductor).
    var configDrive = false
    var accessIPv4: String?
    var accessIPv6: String?
    /// `networks`: absent (before 2.37), "none", "auto" or a list (see ServerNetworks).
    var networks: RequestedNetworks = .unspecified
    /// `security_groups` names (or ids), as given; empty means the project's `default`.
    var securityGroups: [String] = []

    static func allowedKeys(_ ctx: NimbusRequestContext) -> Set<String> {
        var keys: Set<String> = ["name", "imageRef", "flavorRef", "networks", "adminPass", "accessIPv4", "accessIPv6",
                                 "availability_zone", "block_device_mapping", "block_device_mapping_v2",
                                 "config_drive", "key_name", "max_count", "min_count", "metadata",
                                 "return_reservation_id", "security_groups", "user_data", "OS-DCF:diskConfig"]
        if ctx.at(19) { keys.insert("description") }
        if ctx.at(52) { keys.insert("tags") }
        if ctx.at(63) { keys.insert("trusted_image_certificates") }
        if ctx.at(74) { keys.formUnion(["host", "hypervisor_hostname"]) }
        if ctx.at(90) { keys.insert("hostname") }
        if !ctx.at(57) { keys.insert("personality") }
        return keys
    }

    /// `maxInstances` is `[api] max_instances_per_request`: max_count is capped to it (as quota caps it) and a
    /// larger min_count is refused, before anything is allocated per instance.
    init(_ body: Fields, _ ctx: NimbusRequestContext, maxInstances: Int = 1000) throws {
        try body.only(["server", "OS-SCH-HNT:scheduler_hints", "os:scheduler_hints"])
        guard let server = try body.object("server", required: true) else { throw Fields.invalid("server", nil, "") }
        try server.only(Self.allowedKeys(ctx))
        if ctx.at(37) { try server.require("name", "flavorRef", "networks") } else { try server.require("name", "flavorRef") }
        name = try server.string("name", required: true, min: 1, max: 255, trimmed: true)!
        guard let flavor = server["flavorRef"], let ref = flavor.string ?? (flavor.bool == nil ? flavor.int.map(String.init) : nil),
              !ref.isEmpty, ref.count <= 255 else {
            throw Fields.invalid("flavorRef", server["flavorRef"], "is not a valid flavor reference")
        }
        // Nova accepts a flavor or image link and uses its last path component.
        flavorRef = String(ref.split(separator: "/").last ?? Substring(ref))
        let image = try server.string("imageRef", max: 2048) ?? ""
        guard Fields.isPrintable(image) else {
            throw Fields.invalid("imageRef", server["imageRef"], "\(server["imageRef"]?.brief ?? "") is not a valid image reference")
        }
        imageRef = String(image.split(separator: "/").last ?? Substring(image))
        if let net = server["networks"] {
            switch net {
            case .string(let s) where s == "auto" || s == "none": networks = s == "auto" ? .auto : .none
            case .array(let items) where !ctx.at(37) || !items.isEmpty:
                networks = .list(try RequestedNetworks.parse(items, ctx))
            default:
                throw Fields.invalid("networks", net, "is not valid under any of the given schemas ('auto', 'none' or a list)")
            }
        }
        func count(_ key: String) throws -> Int? { try server.int(key, min: 1) }
        minCount = try count("min_count") ?? 1
        maxCount = try count("max_count") ?? minCount
        guard minCount <= maxCount else {
            throw NovaError.badRequest("min_count must be <= max_count")
        }
        guard minCount <= maxInstances else {
            throw Fields.invalid("min_count", server["min_count"], "\(minCount) is greater than the maximum of \(maxInstances) servers per request")
        }
        maxCount = min(maxCount, maxInstances)
        if let az = try server.string("availability_zone", min: 1, max: 255, trimmed: true) {
            // The old "zone:host[:node]" form forces a destination (admin only).
            let parts = az.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            if parts.count > 1 {
                guard ctx.auth.isAdmin else { throw Policy.denied("os_compute_api:servers:create:forced_host") }
                if !parts[1].isEmpty { forcedHost = parts[1] }
                if parts.count > 2, !parts[2].isEmpty { forcedNode = parts[2] }
            }
            availabilityZone = parts[0].isEmpty ? nil : parts[0]
        }
        if ctx.at(74) {
            forcedHost = try server.string("host", min: 1) ?? forcedHost
            forcedNode = try server.string("hypervisor_hostname", min: 1) ?? forcedNode
            requestsDestination = server.has("host") || server.has("hypervisor_hostname")
            if requestsDestination, !ctx.auth.isAdmin {
                throw Policy.denied("compute:servers:create:requested_destination")
            }
        }
        keyName = try server.string("key_name", nullable: true, min: 1, trimmed: true)
        metadata = try server.stringMap("metadata") ?? [:]
        (accessIPv4, accessIPv6) = try AccessIP.parse(server)
        if let u = try server.string("user_data", nullable: true, max: 65535) {
            guard Data(base64Encoded: u) != nil else {
                throw Fields.invalid("user_data", .string(u), "is not a base64 string")
            }
            userData = u
        }
        returnReservationID = try server.bool("return_reservation_id") ?? false
        description = try server.string("description", nullable: true, max: 255)
        if let t = server["tags"] {
            guard let a = t.array, a.count <= 50 else { throw Fields.invalid("tags", t, "is not a list of at most 50 tags") }
            tags = try a.map {
                guard let s = $0.string, !s.isEmpty, s.count <= 60, !s.contains("/"), !s.contains(",") else {
                    throw Fields.invalid("tags", $0, "is not a valid tag")
                }
                return s
            }
        }
        hostname = try ServerCreateValidation.hostname(server, ctx)
        adminPass = try server.string("adminPass")
        try ServerCreateValidation.securityGroups(server["security_groups"])
        securityGroups = (server["security_groups"]?.array ?? []).compactMap {
            $0["name"]?.string?.trimmingCharacters(in: .whitespaces)
        }
        configDrive = try server.bool("config_drive") ?? false
        if let legacy = server["block_device_mapping"] {
            guard let items = legacy.array else { throw Fields.invalid("block_device_mapping", legacy, "is not of type 'array'") }
            for item in items {
                let f = try ServerCreateValidation.mapping(item, field: "block_device_mapping",
                                                           keys: ServerCreateValidation.legacyBDMKeys)
                if f.has("volume_id") || f.has("snapshot_id") {
                    throw NovaError.badRequest("Block Device Mapping is Invalid: volumes are not supported by this cloud.")
                }
            }
        }
        if let bdm = server["block_device_mapping_v2"] {
            guard let items = bdm.array else { throw Fields.invalid("block_device_mapping_v2", bdm, "is not of type 'array'") }
            let keys = ServerCreateValidation.bdmV2Keys(ctx)
            for item in items {
                let o = try ServerCreateValidation.mapping(item, field: "block_device_mapping_v2", keys: keys).values
                // Only the image-to-local mapping OSC adds for a plain image boot can be honoured (no volumes).
                let src = o["source_type"]?.string ?? "image", dst = o["destination_type"]?.string ?? "local"
                guard src == "image" || src == "blank", dst == "local" else {
                    throw NovaError.badRequest("Block Device Mapping is Invalid: volumes are not supported by this cloud.")
                }
                if imageRef.isEmpty, src == "image", let id = o["uuid"]?.string { imageRef = id }
            }
        }
        // Nothing to boot from (no image, and volumes are not offered): Nova's InvalidBDMBootSequence.
        if imageRef.isEmpty {
            throw NovaError.badRequest("Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.")
        }
        if let hints = try (body.object("OS-SCH-HNT:scheduler_hints") ?? body.object("os:scheduler_hints")) {
            for (k, v) in hints.values {
                if let s = v.string { schedulerHints[k] = [s] }
                else if let a = v.array, a.allSatisfy({ $0.string != nil }) { schedulerHints[k] = a.compactMap(\.string) }
                else { throw Fields.invalid("scheduler_hints.\(k)", v, "is not a string or a list of strings") }
            }
            if let g = schedulerHints["group"] {
                guard g.count == 1, UUID(uuidString: g[0]) != nil else {
                    throw Fields.invalid("group", .string(g.joined(separator: ",")), "is not a 'uuid'")
                }
            }
        }
    }
}
