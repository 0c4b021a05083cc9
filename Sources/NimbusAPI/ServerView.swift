import Foundation
import Hummingbird
import NimbusJSON
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
    /// `PUT /servers/{id}` below 2.75: Nova's update answers `show` without the AZ, config drive, key name,
    /// usage times, security groups, extended attributes and status, host status and volumes (2.75 made it
    /// the full view).
    var updateView = false
    /// `addresses` by server, from the info caches (ServerNetworkAllocation); absent servers show `{}`.
    var addresses: [UUID: JSON] = [:]

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
    /// The id as Nova shows it (lowercase).
    static func lowercasedID(_ u: UUID) -> String { u.lowercasedString }

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
        var fields = JSONPairs()
        detailFields(s, v, fault: fault, groups: groups, hints: hints, into: &fields)
        return fields.object
    }

    /// The fields of `detail` in order, into a dictionary (`detail`) or straight into a listing's body.
    static func detailFields<F: ViewFields>(_ s: APIServer, _ v: ServerViewContext, fault: InstanceFault?,
                                            groups: [UUID]? = nil, hints: [String: [String]]? = nil,
                                            into o: inout F) {
        let i = s.instance
        let id = lowercasedID(i.uuid)
        o.put("id", id); o.put("name", i.name); o.put("status", i.status)
        o.put("tenant_id", i.projectID); o.put("user_id", i.userID)
        o.put("metadata", stringMap: i.metadata)
        if let host = i.host {
            let key = i.projectID + host
            o.put("hostId", v.hostIDs[key] ?? SHA224.hex(key))
        } else {
            o.put("hostId", "")
        }
        if i.imageRef.isEmpty { o.put("image", "") } else {
            o.putObject("image") { img in
                img.put("id", i.imageRef)
                img.putLinks("links", base: v.base, collection: "images", id: i.imageRef, selfLink: false)
                if v.at(98) { img.put("properties", JSON.object([:])) }
            }
        }
        o.put("flavor", v.flavorViews[i.flavor] ?? flavor(i.flavor, v))
        o.put("created", time: i.createdAt, fraction: false)
        o.put("updated", time: i.updatedAt ?? i.createdAt, fraction: false)
        // Nova shows no addresses while a server builds.
        o.put("addresses", i.vmState == .building ? JSON.object([:]) : v.addresses[i.uuid] ?? JSON.object([:]))
        o.put("accessIPv4", s.fields.accessIPv4 ?? ""); o.put("accessIPv6", s.fields.accessIPv6 ?? "")
        o.putLinks("links", base: v.base, collection: "servers", id: id, selfLink: true)
        o.put("OS-DCF:diskConfig", "MANUAL"); o.put("progress", 0)
        let full = !v.updateView
        if full {
            o.put("OS-EXT-AZ:availability_zone", availabilityZone(i, v)); o.put("config_drive", s.fields.configDrive ? "True" : "")
            o.put("key_name", optional: i.keyName)
            o.put("OS-SRV-USG:launched_at", time: i.launchedAt, fraction: true)
            o.put("OS-SRV-USG:terminated_at", time: i.terminatedAt, fraction: true)
            o.put("OS-EXT-STS:vm_state", i.vmState.rawValue)
            o.put("OS-EXT-STS:task_state", optional: i.taskState?.rawValue)
            o.put("OS-EXT-STS:power_state", i.powerState.rawValue)
            o.put("os-extended-volumes:volumes_attached", JSON.array([]))
            o.put("security_groups", defaultSecurityGroups)
        }
        if v.isAdmin && full {
            o.put("OS-EXT-SRV-ATTR:host", optional: i.host)
            o.put("OS-EXT-SRV-ATTR:hypervisor_hostname", optional: i.node)
            o.put("OS-EXT-SRV-ATTR:instance_name", "instance-" + id.prefix(8))
            if v.at(3) {
                o.put("OS-EXT-SRV-ATTR:reservation_id", i.reservationID)
                o.put("OS-EXT-SRV-ATTR:launch_index", i.launchIndex)
                o.put("OS-EXT-SRV-ATTR:kernel_id", "")
                o.put("OS-EXT-SRV-ATTR:ramdisk_id", "")
                o.put("OS-EXT-SRV-ATTR:root_device_name", JSON.null)
                o.put("OS-EXT-SRV-ATTR:user_data", optional: i.userData)
            }
            if v.at(16) { o.put("host_status", i.host.flatMap { v.hostStatus[$0] } ?? "") }
        }
        if (v.isAdmin && v.at(3) && full) || v.at(90) { o.put("OS-EXT-SRV-ATTR:hostname", optional: s.fields.hostname) }
        if v.at(9) { o.put("locked", s.fields.lockedBy != nil) }
        if v.at(73) { o.put("locked_reason", optional: s.fields.lockedReason) }
        if v.at(19) { o.put("description", optional: s.fields.description) }
        if v.at(26) { o.put("tags", strings: s.fields.tags) }
        if v.at(63) { o.put("trusted_image_certificates", JSON.null) }
        if v.at(71), let groups { o.put("server_groups", strings: groups.map(lowercasedID)) }
        if v.at(96) && full { o.put("pinned_availability_zone", optional: i.availabilityZone) }
        if v.at(100) {
            let shown = (hints ?? [:]).mapValues { $0.count == 1 ? JSON.string($0[0]) : .array($0.map(JSON.string)) }
            o.put("scheduler_hints", JSON.object(shown))
        }
        if let fault, i.vmState == .error || i.vmState == .deleted {
            o.putObject("fault") { f in
                f.put("code", fault.code); f.put("message", fault.message)
                f.put("created", time: fault.createdAt, fraction: false)
                if v.isAdmin || fault.code != 500 { f.put("details", fault.details) }
            }
        }
    }
}
