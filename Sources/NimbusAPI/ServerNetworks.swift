import Foundation
import HTTPTypes
import NeutronClient
import NimbusJSON
import NimbusKernel
import NimbusStore

/// What `networks` asked for in `POST /servers`.
enum RequestedNetworks: Sendable {
    /// Absent (before 2.37): the one network the project can use, or none.
    case unspecified
    case none
    case auto
    case list([RequestedNetwork])

    /// Nova's schema for the list form: `uuid`, `port`, `fixed_ip`, `tag` (2.32+), a network or a port each.
    static func parse(_ items: [JSON], _ ctx: NimbusRequestContext) throws -> [RequestedNetwork] {
        guard items.count <= 32 else { throw Fields.invalid("networks", nil, "has more than 32 entries") }
        return try items.map { item in
            guard let o = item.object else { throw Fields.invalid("networks", item, "is not of type 'object'") }
            let f = Fields(o, path: "networks")
            try f.only(ctx.at(32) ? ["uuid", "port", "fixed_ip", "tag"] : ["uuid", "port", "fixed_ip"])
            var r = RequestedNetwork()
            r.portID = try f.string("port", nullable: true, max: 36)
            r.networkID = try f.string("uuid", max: 36)
            if let ip = try f.string("fixed_ip", max: 45) {
                guard IPAddress(ip) != nil else { throw Fields.invalid("fixed_ip", .string(ip), "is not a 'ipv4' or 'ipv6'") }
                r.fixedIP = ip
            }
            r.tag = try f.string("tag", min: 1, max: 60)
            if let p = r.portID, UUID(uuidString: p) == nil { throw Fields.invalid("port", .string(p), "is not a 'uuid'") }
            if r.portID == nil {
                guard let n = r.networkID, UUID(uuidString: n) != nil else {
                    throw NovaError.badRequest("Bad networks format: network uuid is not in proper format (\(r.networkID ?? ""))")
                }
            }
            return r
        }
    }
}

struct RequestedNetwork: Sendable {
    var networkID: String?
    var portID: String?
    var fixedIP: String?
    var tag: String?
}

/// One interface a new server gets, checked against Neutron before anything is created.
struct PlannedNIC: Sendable {
    var networkID: String
    var networkName: String
    /// A port the user supplied (claimed, not created, and kept when the server goes).
    var portID: String?
    var fixedIP: String?
    var tag: String?
    /// Neutron ids of the requested groups; nil lets Neutron give the port the project's `default`.
    var securityGroupIDs: [String]?
}

extension ComputeAPI {
    /// Nova's `_process_security_groups`: names (or ids) other than exactly `["default"]` become the project's
    /// group ids; an unknown one is 400. Without a networking service the names are not checked.
    func securityGroupIDs(_ names: [String], project: String) async throws -> [String]? {
        guard let neutron, !names.isEmpty, names != ["default"] else { return nil }
        let listed = try await call {
            try await neutron.send("GET", "/security-groups?tenant_id=\(NeutronClient.q(project))&fields=id&fields=name")
        }
        let groups = listed["security_groups"]?.array ?? []
        var ids: [String] = []
        for name in names {
            let hits = groups.filter { $0["name"]?.string == name || $0["id"]?.string == name }
            guard hits.count <= 1 else {
                throw NovaError.conflict("Multiple security groups found matching '\(name)'. Use an ID to be more specific.")
            }
            guard let id = hits.first?["id"]?.string else { throw NovaError.badRequest("Security group \(name) not found.") }
            if !ids.contains(id) { ids.append(id) }
        }
        return ids
    }

    /// Nova's `validate_networks`, through the Neutron API with the service user's token.
    func planNetworks(_ requested: RequestedNetworks, project: String, admin: Bool, count: Int) async throws -> [PlannedNIC] {
        guard let neutron else {
            if case .list(let items) = requested, let first = items.first {
                throw NovaError.badRequest("Network \(first.networkID ?? first.portID ?? "") could not be found.")
            }
            return []
        }
        switch requested {
        case .none: return []
        case .unspecified, .auto:
            let own = try await call { try await neutron.send("GET", "/networks?tenant_id=\(NeutronClient.q(project))&shared=False") }
            let shared = try await call { try await neutron.send("GET", "/networks?shared=True") }
            let nets = (own["networks"]?.array ?? []) + (shared["networks"]?.array ?? [])
            if nets.count > 1 {
                throw NovaError.conflict("Multiple possible networks found, use a Network ID to be more specific.")
            }
            guard let n = nets.first, let id = n["id"]?.string else {
                if case .auto = requested {
                    // Neutron's auto-allocated topology needs a default external network and subnet pool,
                    // which this Networking service does not have: Nova's answer when it cannot allocate.
                    throw NovaError.badRequest("Unable to automatically allocate a network for project \(project)")
                }
                return []
            }
            try requireSubnet(n, id)
            return [PlannedNIC(networkID: id, networkName: n["name"]?.string ?? "")]
        case .list(let items):
            var out: [PlannedNIC] = []
            for r in items {
                if let portID = r.portID {
                    guard count == 1 else {
                        throw NovaError.badRequest("Unable to launch multiple instances with a single configured port ID. "
                                                   + "Please launch your instance one by one with different ports.")
                    }
                    let port = try await lookup("/ports/\(portID)", "Port \(portID) could not be found.")["port"]
                    guard let p = port, admin || p["project_id"]?.string == project else {
                        throw NovaError.badRequest("Port \(portID) could not be found.")
                    }
                    if let d = p["device_id"]?.string, !d.isEmpty { throw NovaError.conflict("Port \(portID) is still in use.") }
                    guard p["fixed_ips"]?.array?.isEmpty == false else {
                        throw NovaError.badRequest("Port \(portID) requires a FixedIP in order to be used.")
                    }
                    let netID = p["network_id"]?.string ?? ""
                    let n = try await lookup("/networks/\(netID)", "Network \(netID) could not be found.")["network"]
                    out.append(PlannedNIC(networkID: netID, networkName: n?["name"]?.string ?? "", portID: portID, tag: r.tag))
                    continue
                }
                let id = r.networkID ?? ""
                let n = try await lookup("/networks/\(id)", "Network \(id) could not be found.")["network"] ?? .null
                guard admin || n["project_id"]?.string == project || n["shared"]?.bool == true else {
                    throw NovaError.badRequest("Network \(id) could not be found.")
                }
                try requireSubnet(n, id)
                if let ip = r.fixedIP {
                    guard count == 1 else {
                        throw NovaError.badRequest("Invalid fixed IP address \(ip): a fixed IP cannot be given to "
                                                   + "more than one instance.")
                    }
                    let hits = try await call {
                        try await neutron.send("GET", "/ports?network_id=\(id)&fixed_ips=ip_address%3D\(NeutronClient.q(ip))&fields=device_id")
                    }
                    if let hit = hits["ports"]?.array?.first {
                        throw NovaError.badRequest("Fixed IP address \(ip) is already in use on instance "
                                                   + "\(hit["device_id"]?.string ?? "").")
                    }
                }
                out.append(PlannedNIC(networkID: id, networkName: n["name"]?.string ?? "", fixedIP: r.fixedIP, tag: r.tag))
            }
            return out
        }
    }

    func requireSubnet(_ n: JSON, _ id: String) throws {
        guard n["subnets"]?.array?.isEmpty == false else {
            throw NovaError.badRequest("Network \(id) requires a subnet in order to boot instances on.")
        }
    }

    /// A GET whose 404 is Nova's 400 `message`.
    func lookup(_ path: String, _ message: String) async throws -> JSON {
        guard let neutron else { throw NovaError.badRequest(message) }
        do { return try await neutron.send("GET", path) } catch let e as NeutronFailure where e.status == 404 {
            throw NovaError.badRequest(message)
        } catch let e as NeutronFailure { throw Self.unavailable(e) }
    }

    func call(_ body: () async throws -> JSON) async throws -> JSON {
        do { return try await body() } catch let e as NeutronFailure { throw Self.unavailable(e) }
    }

    static func unavailable(_ e: NeutronFailure) -> NovaError {
        NovaError(.internalServerError, "Unexpected error talking to the Networking service: \(e.message)")
    }
}
