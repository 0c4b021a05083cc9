import Foundation
import Logging
import NeutronClient
import NimbusJSON
import NimbusKernel
import NimbusStore

/// Ports for new servers and their release, and the `addresses` Nova shows from its info cache.
extension ComputeAPI {
    /// Creates a port per planned network for each instance (`device_id` = the instance) or claims the user's
    /// port, and stores the instances' info caches. On a failure the ports made so far are deleted, claimed
    /// ones released, and the failure rethrown. The conductor binds the ports once the host is known.
    func allocateNetworks(_ nics: [PlannedNIC], for instances: [InstanceRecord]) async throws {
        guard let neutron, !nics.isEmpty else { return }
        var done: [(UUID, [NetworkVIF])] = []
        do {
            for i in instances {
                let device = i.uuid.uuidString.lowercased()
                var vifs: [NetworkVIF] = []
                for nic in nics {
                    let answer: JSON
                    if let portID = nic.portID {
                        answer = try await neutron.send("PUT", "/ports/\(portID)", body: ["port": ["device_id": .string(device)]])
                    } else {
                        var port: [String: JSON] = ["device_id": .string(device), "network_id": .string(nic.networkID),
                                                    "admin_state_up": true, "tenant_id": .string(i.projectID)]
                        if let ip = nic.fixedIP { port["fixed_ips"] = [["ip_address": .string(ip)]] }
                        if let groups = nic.securityGroupIDs { port["security_groups"] = .array(groups.map(JSON.string)) }
                        answer = try await neutron.send("POST", "/ports", body: ["port": .object(port)])
                    }
                    vifs.append(Self.vif(answer["port"] ?? .null, nic))
                    done.append((i.uuid, vifs))
                }
                try await store.saveNetworkInfo(i.uuid, vifs)
            }
        } catch {
            var released = Set<UUID>()
            for (uuid, _) in done.reversed() where released.insert(uuid).inserted {
                await deallocateNetworks(uuid, vifs: done.last { $0.0 == uuid }?.1 ?? [])
            }
            throw error
        }
    }

    static func vif(_ port: JSON, _ nic: PlannedNIC) -> NetworkVIF {
        let ips = (port["fixed_ips"]?.array ?? []).compactMap { f -> NetworkVIF.Address? in
            guard let a = f["ip_address"]?.string, let ip = IPAddress(a) else { return nil }
            return NetworkVIF.Address(address: a, version: ip.version, subnetID: f["subnet_id"]?.string ?? "")
        }
        return NetworkVIF(portID: port["id"]?.string ?? "", networkID: nic.networkID, networkName: nic.networkName,
                          macAddress: port["mac_address"]?.string ?? "", fixedIPs: ips, preserveOnDelete: nic.portID != nil,
                          tag: nic.tag, active: port["status"]?.string == "ACTIVE")
    }

    /// Nova's `deallocate_for_instance`: ports the user supplied are unbound, the others deleted (404 ignored);
    /// the info cache is emptied. Failures are logged: the server goes regardless.
    func deallocateNetworks(_ uuid: UUID, vifs known: [NetworkVIF]? = nil) async {
        guard let neutron else { return }
        let vifs: [NetworkVIF]
        if let known { vifs = known } else { vifs = (try? await store.networkInfo([uuid]))?[uuid] ?? [] }
        for v in vifs where !v.portID.isEmpty {
            do {
                if v.preserveOnDelete {
                    _ = try await neutron.send("PUT", "/ports/\(v.portID)", body: ["port": [
                        "device_id": "", "device_owner": "", "binding:host_id": .null]])
                } else {
                    _ = try await neutron.send("DELETE", "/ports/\(v.portID)")
                }
            } catch let e as NeutronFailure where e.status == 404 {
            } catch {
                logger.warning("cannot release port \(v.portID) of \(uuid): \(error)")
            }
        }
        if !vifs.isEmpty { try? await store.saveNetworkInfo(uuid, []) }
    }

    /// `addresses` of each server: network name → its fixed IPs with version, type and MAC (Nova's
    /// `views/addresses`); `extended` false gives `/ips`' form (address and version only).
    /// `addresses` of the servers that have any VIF (read with the server rows).
    static func addresses(of servers: [APIServer]) -> [UUID: JSON] {
        var out: [UUID: JSON] = [:]
        for s in servers where !s.networkInfo.isEmpty { out[s.instance.uuid] = addresses(s.networkInfo, extended: true) }
        return out
    }

    static func addresses(_ vifs: [NetworkVIF], extended: Bool) -> JSON {
        var out: [String: [JSON]] = [:]
        for v in vifs {
            for ip in v.fixedIPs {
                var a: [String: JSON] = ["addr": .string(ip.address), "version": .int(ip.version)]
                if extended {
                    a["OS-EXT-IPS:type"] = "fixed"
                    a["OS-EXT-IPS-MAC:mac_addr"] = .string(v.macAddress)
                }
                out[v.networkName, default: []].append(.object(a))
            }
        }
        return .object(out.mapValues(JSON.array))
    }
}

extension ComputeAPI {
    /// Nova's `ip` / `ip6` list filters: a regular expression searched in the server's fixed IPv4 / IPv6
    /// addresses (the info cache), a plain substring when it is not a valid expression.
    static func filterByAddress(_ servers: [APIServer], v4: String?, v6: String?) -> [APIServer] {
        func matches(_ pattern: String?, _ version: Int, _ s: APIServer) -> Bool {
            guard let pattern, !pattern.isEmpty else { return true }
            let re = try? NSRegularExpression(pattern: pattern)
            return s.networkInfo.flatMap(\.fixedIPs).contains { ip in
                guard ip.version == version else { return false }
                let a = ip.address
                return re.map { $0.firstMatch(in: a, range: NSRange(a.startIndex..., in: a)) != nil } ?? a.contains(pattern)
            }
        }
        return servers.filter { matches(v4, 4, $0) && matches(v6, 6, $0) }
    }
}
