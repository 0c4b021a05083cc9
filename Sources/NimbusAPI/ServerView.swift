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

    func at(_ minor: Int) -> Bool { microversion >= APIVersion(2, minor) }
}

/// Nova's server representation (nova/api/openstack/compute/views/servers.py), field by microversion.
enum ServerView {
    static func links(_ base: String, _ id: String, _ collection: String = "servers") -> JSON {
        [["rel": "self", "href": .string("\(base)/v2.1/\(collection)/\(id)")],
         ["rel": "bookmark", "href": .string("\(base)/\(collection)/\(id)")]]
    }

    static func brief(_ i: InstanceRecord, base: String) -> JSON {
        let id = i.uuid.uuidString.lowercased()
        return ["id": .string(id), "name": .string(i.name), "links": links(base, id)]
    }

    static func hostID(_ i: InstanceRecord) -> JSON {
        guard let host = i.host else { return "" }
        return .string(SHA224.hex(i.projectID + host))
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
        let i = s.instance
        let id = i.uuid.uuidString.lowercased()
        let image: JSON
        if i.imageRef.isEmpty { image = "" } else {
            var o: [String: JSON] = ["id": .string(i.imageRef),
                                     "links": [["rel": "bookmark", "href": .string("\(v.base)/images/\(i.imageRef)")]]]
            if v.at(98) { o["properties"] = [:] }
            image = .object(o)
        }
        var o: [String: JSON] = [
            "id": .string(id), "name": .string(i.name), "status": .string(i.status),
            "tenant_id": .string(i.projectID), "user_id": .string(i.userID),
            "metadata": .object(i.metadata.mapValues(JSON.string)), "hostId": hostID(i), "image": image,
            "flavor": flavor(i.flavor, v), "created": NovaTime.iso(i.createdAt),
            "updated": NovaTime.iso(i.updatedAt ?? i.createdAt), "addresses": [:], "accessIPv4": "",
            "accessIPv6": "", "links": links(v.base, id), "OS-DCF:diskConfig": "MANUAL", "progress": 0,
            "OS-EXT-AZ:availability_zone": .string(availabilityZone(i, v)), "config_drive": "",
            "key_name": .optional(i.keyName), "OS-SRV-USG:launched_at": NovaTime.micro(i.launchedAt),
            "OS-SRV-USG:terminated_at": NovaTime.micro(i.terminatedAt),
            "OS-EXT-STS:vm_state": .string(i.vmState.rawValue),
            "OS-EXT-STS:task_state": .optional(i.taskState?.rawValue),
            "OS-EXT-STS:power_state": .int(i.powerState.rawValue),
            "os-extended-volumes:volumes_attached": [], "security_groups": [["name": "default"]],
        ]
        if v.isAdmin {
            o["OS-EXT-SRV-ATTR:host"] = .optional(i.host)
            o["OS-EXT-SRV-ATTR:hypervisor_hostname"] = .optional(i.node)
            o["OS-EXT-SRV-ATTR:instance_name"] = .string("instance-" + id.prefix(8))
            if v.at(3) {
                o["OS-EXT-SRV-ATTR:reservation_id"] = .string(i.reservationID)
                o["OS-EXT-SRV-ATTR:launch_index"] = .int(i.launchIndex)
                o["OS-EXT-SRV-ATTR:kernel_id"] = ""
                o["OS-EXT-SRV-ATTR:ramdisk_id"] = ""
                o["OS-EXT-SRV-ATTR:root_device_name"] = .null
                o["OS-EXT-SRV-ATTR:user_data"] = .optional(i.userData)
            }
            if v.at(16) { o["host_status"] = .string(i.host.flatMap { v.hostStatus[$0] } ?? "") }
        }
        if (v.isAdmin && v.at(3)) || v.at(90) { o["OS-EXT-SRV-ATTR:hostname"] = .optional(s.fields.hostname) }
        if v.at(9) { o["locked"] = .bool(s.fields.lockedBy != nil) }
        if v.at(73) { o["locked_reason"] = .optional(s.fields.lockedReason) }
        if v.at(19) { o["description"] = .optional(s.fields.description) }
        if v.at(26) { o["tags"] = .array(s.fields.tags.map(JSON.string)) }
        if v.at(63) { o["trusted_image_certificates"] = .null }
        if v.at(71), let groups { o["server_groups"] = .array(groups.map { .string($0.uuidString.lowercased()) }) }
        if v.at(96) { o["pinned_availability_zone"] = .optional(i.availabilityZone) }
        if v.at(100) {
            o["scheduler_hints"] = .object((hints ?? [:]).mapValues { $0.count == 1 ? .string($0[0]) : .array($0.map(JSON.string)) })
        }
        if let fault, i.vmState == .error || i.vmState == .deleted {
            var f: [String: JSON] = ["code": .int(fault.code), "message": .string(fault.message),
                                     "created": NovaTime.iso(fault.createdAt)]
            if v.isAdmin || fault.code != 500 { f["details"] = .string(fault.details) }
            o["fault"] = .object(f)
        }
        return .object(o)
    }
}
