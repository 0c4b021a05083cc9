import Foundation
import Hummingbird
import NimbusKernel

/// Nova's server representation (nova/api/openstack/compute/views/servers.py) at microversion 2.1.
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

    static func detail(_ i: InstanceRecord, base: String, fault: InstanceFault?, defaultAZ: String) -> JSON {
        let id = i.uuid.uuidString.lowercased()
        var o: [String: JSON] = [
            "id": .string(id), "name": .string(i.name), "status": .string(i.status),
            "tenant_id": .string(i.projectID), "user_id": .string(i.userID),
            "metadata": .object(i.metadata.mapValues(JSON.string)), "hostId": hostID(i),
            "image": ["id": .string(i.imageRef),
                      "links": [["rel": "bookmark", "href": .string("\(base)/images/\(i.imageRef)")]]],
            "flavor": ["id": .string(i.flavor.id),
                       "links": [["rel": "bookmark", "href": .string("\(base)/flavors/\(i.flavor.id)")]]],
            "created": NovaTime.iso(i.createdAt), "updated": NovaTime.iso(i.updatedAt ?? i.createdAt),
            "addresses": [:], "accessIPv4": "", "accessIPv6": "", "links": links(base, id),
            "OS-DCF:diskConfig": "MANUAL", "progress": 0,
            "OS-EXT-AZ:availability_zone": .string(i.availabilityZone ?? (i.host == nil ? "" : defaultAZ)),
            "config_drive": "", "key_name": .optional(i.keyName),
            "OS-SRV-USG:launched_at": NovaTime.micro(i.launchedAt),
            "OS-SRV-USG:terminated_at": NovaTime.micro(i.terminatedAt),
            "OS-EXT-STS:vm_state": .string(i.vmState.rawValue),
            "OS-EXT-STS:task_state": .optional(i.taskState?.rawValue),
            "OS-EXT-STS:power_state": .int(i.powerState.rawValue),
            "os-extended-volumes:volumes_attached": [], "security_groups": [["name": "default"]],
            "OS-EXT-SRV-ATTR:host": .optional(i.host), "OS-EXT-SRV-ATTR:hypervisor_hostname": .optional(i.node),
            "OS-EXT-SRV-ATTR:instance_name": .string("instance-" + id.prefix(8)),
        ]
        if let fault, i.vmState == .error || i.vmState == .deleted {
            o["fault"] = ["code": .int(fault.code), "message": .string(fault.message),
                          "details": .string(fault.details), "created": NovaTime.iso(fault.createdAt)]
        }
        return .object(o)
    }
}
