import Foundation
import Hummingbird
import NimbusKernel
import NimbusStore

/// What a server view needs besides the row: the caller, the microversion and lookups done once per request.
struct ServerViewContext {
    var base: String
    var microversion: APIVersion
    var isAdmin: Bool
    var defaultAZ: String
    /// Host → availability zone from aggregates (hosts absent use `defaultAZ`).
    var hostAZ: [String: String] = [:]
    /// Host → compute service status for `host_status` (2.16+, admin).
    var hostStatus: [String: String] = [:]
    /// `hostId` by `project_id + host`, filled once per listing (`preparedForListing`): a SHA-224 per row is waste
    /// when a page holds a few hosts.
    var hostIDs: [String: String] = [:]
    /// The embedded flavor view by flavor, filled once per listing: servers of a page share a few flavors.
    var flavorViews: [Flavor: JSON] = [:]

    /// The context with `hostId`s (one SHA-224 per distinct project and host) and flavor views of these servers
    /// precomputed.
    func preparedForListing(_ servers: [APIServer]) -> ServerViewContext {
        var v = self
        for s in servers {
            guard let host = s.instance.host else { continue }
            let key = s.instance.projectID + host
            if v.hostIDs[key] == nil { v.hostIDs[key] = SHA224.hex(key) }
        }
        for s in servers where v.flavorViews[s.instance.flavor] == nil {
            v.flavorViews[s.instance.flavor] = ServerView.flavor(s.instance.flavor, v)
        }
        return v
    }

    func at(_ minor: Int) -> Bool { microversion >= APIVersion(2, minor) }
}

/// Nova's server representation (nova/api/openstack/compute/views/servers.py), field by microversion.
enum ServerView {
    /// `uuid.uuidString.lowercased()` without Foundation's snprintf-based formatting (once per listed server).
    static func lowercasedID(_ u: UUID) -> String {
        withUnsafeBytes(of: u.uuid) { b in
            String(unsafeUninitializedCapacity: 36) { out in
                let hex = Array("0123456789abcdef".utf8)
                var n = 0
                for (k, byte) in b.enumerated() {
                    if k == 4 || k == 6 || k == 8 || k == 10 { out[n] = UInt8(ascii: "-"); n += 1 }
                    out[n] = hex[Int(byte >> 4)]
                    out[n + 1] = hex[Int(byte & 0xF)]
                    n += 2
                }
                return n
            }
        }
    }

    /// Constant for every server (no networking): built once rather than per row.
    static let defaultSecurityGroups: JSON = [["name": "default"]]

    static func links(_ base: String, _ id: String, _ collection: String = "servers") -> JSON {
        [["rel": "self", "href": .string("\(base)/v2.1/\(collection)/\(id)")],
         ["rel": "bookmark", "href": .string("\(base)/\(collection)/\(id)")]]
    }

    static func brief(_ i: InstanceRecord, base: String) -> JSON {
        let id = lowercasedID(i.uuid)
        return ["id": .string(id), "name": .string(i.name), "links": links(base, id)]
    }

    static func hostID(_ i: InstanceRecord, _ v: ServerViewContext) -> JSON {
        guard let host = i.host else { return "" }
        let key = i.projectID + host
        return .string(v.hostIDs[key] ?? SHA224.hex(key))
    }

    static func availabilityZone(_ i: InstanceRecord, _ v: ServerViewContext) -> String {
        guard let host = i.host else { return i.availabilityZone ?? "" }
        return v.hostAZ[host] ?? v.defaultAZ
    }

    /// The embedded flavor of 2.47+ (no id or links); the 2.1 form links to the flavor.
    static func flavor(_ f: Flavor, _ v: ServerViewContext) -> JSON {
        guard v.at(47) else {
            return ["id": .string(f.id), "links": [["rel": "bookmark", "href": .string("\(v.base)/flavors/\(f.id)")]]]
        }
        return ["vcpus": .int(f.vcpus), "ram": .int(f.memoryMB), "disk": .int(f.rootGB),
                "ephemeral": .int(f.ephemeralGB), "swap": .int(f.swapMB), "original_name": .string(f.name),
                "extra_specs": .object(f.extraSpecs.mapValues(JSON.string))]
    }

    static func detail(_ s: APIServer, _ v: ServerViewContext, fault: InstanceFault?, groups: [UUID]? = nil,
                       hints: [String: [String]]? = nil) -> JSON {
        .object(Dictionary(uniqueKeysWithValues: detailFields(s, v, fault: fault, groups: groups, hints: hints)))
    }

    /// The fields of `detail` in order, as pairs: a listing writes them straight to the body
    /// (`JSON.writeObject`) rather than hashing ~50 keys into a dictionary per server and iterating it again.
    static func detailFields(_ s: APIServer, _ v: ServerViewContext, fault: InstanceFault?, groups: [UUID]? = nil,
                             hints: [String: [String]]? = nil) -> [(String, JSON)] {
        let i = s.instance
        let id = lowercasedID(i.uuid)
        let image: JSON
        if i.imageRef.isEmpty { image = "" } else {
            var o: [String: JSON] = ["id": .string(i.imageRef),
                                     "links": [["rel": "bookmark", "href": .string("\(v.base)/images/\(i.imageRef)")]]]
            if v.at(98) { o["properties"] = [:] }
            image = .object(o)
        }
        var o: [(String, JSON)] = []
        o.reserveCapacity(64)
        func put(_ k: String, _ value: JSON) { o.append((k, value)) }
        put("id", .string(id)); put("name", .string(i.name)); put("status", .string(i.status))
        put("tenant_id", .string(i.projectID)); put("user_id", .string(i.userID))
        put("metadata", .object(i.metadata.mapValues(JSON.string))); put("hostId", hostID(i, v)); put("image", image)
        put("flavor", v.flavorViews[i.flavor] ?? flavor(i.flavor, v)); put("created", NovaTime.iso(i.createdAt))
        put("updated", NovaTime.iso(i.updatedAt ?? i.createdAt)); put("addresses", [:]); put("accessIPv4", "")
        put("accessIPv6", ""); put("links", links(v.base, id)); put("OS-DCF:diskConfig", "MANUAL"); put("progress", 0)
        put("OS-EXT-AZ:availability_zone", .string(availabilityZone(i, v))); put("config_drive", "")
        put("key_name", .optional(i.keyName)); put("OS-SRV-USG:launched_at", NovaTime.micro(i.launchedAt))
        put("OS-SRV-USG:terminated_at", NovaTime.micro(i.terminatedAt))
        put("OS-EXT-STS:vm_state", .string(i.vmState.rawValue))
        put("OS-EXT-STS:task_state", .optional(i.taskState?.rawValue))
        put("OS-EXT-STS:power_state", .int(i.powerState.rawValue))
        put("os-extended-volumes:volumes_attached", []); put("security_groups", defaultSecurityGroups)
        if v.isAdmin {
            put("OS-EXT-SRV-ATTR:host", .optional(i.host))
            put("OS-EXT-SRV-ATTR:hypervisor_hostname", .optional(i.node))
            put("OS-EXT-SRV-ATTR:instance_name", .string("instance-" + id.prefix(8)))
            if v.at(3) {
                put("OS-EXT-SRV-ATTR:reservation_id", .string(i.reservationID))
                put("OS-EXT-SRV-ATTR:launch_index", .int(i.launchIndex))
                put("OS-EXT-SRV-ATTR:kernel_id", "")
                put("OS-EXT-SRV-ATTR:ramdisk_id", "")
                put("OS-EXT-SRV-ATTR:root_device_name", .null)
                put("OS-EXT-SRV-ATTR:user_data", .optional(i.userData))
            }
            if v.at(16) { put("host_status", .string(i.host.flatMap { v.hostStatus[$0] } ?? "")) }
        }
        if (v.isAdmin && v.at(3)) || v.at(90) { put("OS-EXT-SRV-ATTR:hostname", .optional(s.fields.hostname)) }
        if v.at(9) { put("locked", .bool(s.fields.lockedBy != nil)) }
        if v.at(73) { put("locked_reason", .optional(s.fields.lockedReason)) }
        if v.at(19) { put("description", .optional(s.fields.description)) }
        if v.at(26) { put("tags", .array(s.fields.tags.map(JSON.string))) }
        if v.at(63) { put("trusted_image_certificates", .null) }
        if v.at(71), let groups { put("server_groups", .array(groups.map { .string($0.uuidString.lowercased()) })) }
        if v.at(96) { put("pinned_availability_zone", .optional(i.availabilityZone)) }
        if v.at(100) {
            put("scheduler_hints", .object((hints ?? [:]).mapValues { $0.count == 1 ? .string($0[0]) : .array($0.map(JSON.string)) }))
        }
        if let fault, i.vmState == .error || i.vmState == .deleted {
            var f: [String: JSON] = ["code": .int(fault.code), "message": .string(fault.message),
                                     "created": NovaTime.iso(fault.createdAt)]
            if v.isAdmin || fault.code != 500 { f["details"] = .string(fault.details) }
            put("fault", .object(f))
        }
        return o
    }
}
